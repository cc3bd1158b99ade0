-- The seed of the Lattice IPC key material, kept apart from the recording (whose entropy seed is in
-- `recording` and in every snapshot) like the channel keys: a copy made without both cannot have
-- its messages decrypted, nor be replayed (re-sealing needs the keys). One row when the recording
-- was made with a key seed of its own; `seed` empty when the copy was shared without it.
CREATE TABLE key_seed (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seed BLOB NOT NULL
);
