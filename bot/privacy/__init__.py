"""Personal data: what is stored about a person, /mydata, /forget and the purge."""
