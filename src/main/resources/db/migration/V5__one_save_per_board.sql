-- Saving a pin to a board is one save, however often it is asked for: a save of the same pin to the
-- same board answers the save that exists. Duplicates made before this rule are removed first
-- (soft-deleted, their counters moved back, their feed entries removed by fan-out), keeping the oldest.
WITH dup AS (
  SELECT id, board_id, owner_id, parent_pin_id FROM (
    SELECT id, board_id, owner_id, parent_pin_id,
           row_number() OVER (PARTITION BY board_id, parent_pin_id ORDER BY id) AS n
      FROM pins WHERE parent_pin_id IS NOT NULL AND deleted_at IS NULL) d
   WHERE n > 1),
gone AS (UPDATE pins p SET deleted_at = now() FROM dup WHERE p.id = dup.id RETURNING p.id),
board_counts AS (
  UPDATE boards b SET pin_count = b.pin_count - d.n
    FROM (SELECT board_id, count(*) AS n FROM dup GROUP BY board_id) d WHERE b.id = d.board_id),
owner_counts AS (
  UPDATE users u SET pin_count = u.pin_count - d.n
    FROM (SELECT owner_id, count(*) AS n FROM dup GROUP BY owner_id) d WHERE u.id = d.owner_id),
save_counts AS (
  UPDATE pins p SET save_count = greatest(0, p.save_count - d.n)
    FROM (SELECT parent_pin_id, count(*) AS n FROM dup GROUP BY parent_pin_id) d WHERE p.id = d.parent_pin_id)
INSERT INTO feed_outbox (pin_id, action) SELECT id, 'remove' FROM gone ON CONFLICT DO NOTHING;

CREATE UNIQUE INDEX pins_one_save_per_board_idx ON pins (board_id, parent_pin_id)
  WHERE parent_pin_id IS NOT NULL AND deleted_at IS NULL;
