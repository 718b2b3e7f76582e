-- Introductions address a profile by an opaque token, never by its sequential profile_id: a
-- number can be counted through (/intro 1, /intro 2, ...), 64 random bits cannot. The token
-- stays with the profile while it exists (a card someone was shown keeps working), and a
-- deleted and re-created profile gets a new one.
ALTER TABLE profiles ADD COLUMN token TEXT;
UPDATE profiles SET token = lower(hex(randomblob(8)));
CREATE UNIQUE INDEX profiles_token ON profiles (token);
