"""After the forum: the last day's message (contacts, survey, staying), the community that stays
for the next forum, and its monthly /meet suggestion."""
