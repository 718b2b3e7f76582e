"""Personal data: what /mydata shows, what /forget and the purge remove (the registry of every
table's personal columns is ``storage.privacy``), and the purge's notices. Owns privacy_notices,
privacy_kept, privacy_purges and privacy_key; staying for the next forum is after-forum's."""
