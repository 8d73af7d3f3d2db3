-- The unreferenced-media sweep asks, for every old media, whether a pin uses it, and deleting a media makes
-- its foreign key ask the same: without this index each is a scan of all pins.
CREATE INDEX pins_media_idx ON pins (media_id);
