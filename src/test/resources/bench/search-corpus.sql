-- A search corpus made in SQL: current_setting('bench.pins') pins (a million for SearchBenchmark) by
-- 10,000 users on 50,000 boards, titles and descriptions drawn from a fashion/home/beauty vocabulary
-- with a skewed (Zipf-like) word frequency, one title in ten in Chinese (words run together, as
-- Chinese is written), 2% product pins of 100 shops, saves skewed (most pins 0, a few thousands),
-- created over the last 600 days with ids made from their creation time (as next_id() makes them),
-- stored oldest first as a live table would be.
CREATE TEMP TABLE words_en AS SELECT row_number() OVER () - 1 AS i, w FROM unnest(string_to_array(
 'dress summer vintage floral linen cotton wedding boho casual black white red blue green pink beige navy '
 'outfit style fashion street chic elegant minimalist cozy knit sweater cardigan jacket coat denim jeans '
 'skirt blouse shirt tee shorts sneakers boots heels sandals loafers bag tote handbag clutch backpack '
 'necklace earrings ring bracelet jewelry gold silver pearl watch scarf hat sunglasses belt wallet '
 'lipstick makeup skincare serum cream mascara eyeshadow blush foundation perfume nail polish hair '
 'braid curls bob highlights living room bedroom kitchen bathroom dining patio garden balcony office '
 'sofa couch armchair table chair desk shelf bookcase lamp pendant rug carpet curtain pillow cushion '
 'blanket throw mirror vase planter ceramic wood walnut oak marble rattan velvet leather brass '
 'scandinavian nordic modern rustic farmhouse industrial bohemian japandi coastal mediterranean '
 'decor interior design ideas inspiration diy handmade craft organize storage small space apartment '
 'cottage cabin loft minimal neutral warm autumn winter spring holiday christmas party birthday '
 'recipe dessert cake cookies bread pasta salad breakfast coffee tea smoothie healthy vegan '
 'travel beach mountain city paris tokyo italy wanderlust hiking camping photography wallpaper '
 'quote art print poster illustration painting watercolor sketch typography gift wrap wreath '
 'plant succulent cactus monstera flower bouquet peony rose tulip lavender eucalyptus terracotta '
 'workout yoga fitness running gym activewear leggings hoodie sweatpants athleisure tracksuit '
 'baby nursery kids toddler toys playroom wedding bride bridesmaid veil bouquet tuxedo groom '
 'men menswear suit blazer tie chinos oxford watch grooming beard tattoo piercing barber '
 'luxury affordable budget thrifted secondhand sustainable ethical organic natural vintage retro', ' ')) AS w;
CREATE TEMP TABLE words_zh AS SELECT row_number() OVER () - 1 AS i, w FROM unnest(string_to_array(
 '连衣裙 复古 夏季 毛衣 口红 沙发 北欧 客厅 卧室 手工 陶瓷 花瓶 耳环 项链 牛仔裤 外套 衬衫 运动鞋 香水 面霜 '
 '眼影 茶几 吊灯 地毯 窗帘 收纳 餐桌 椅子 书架 绿植 碎花 针织 羊毛 真丝 棉麻 简约 日系 韩版 法式 '
 '小众 设计 高级感 显瘦 百搭 通勤 约会 度假 婚礼 礼服 包包 手链 戒指 发饰 美甲 护肤 精华 防晒 '
 '咖啡 甜品 蛋糕 早餐 旅行 海边 露营 摄影 插画 壁纸 花束 多肉 实木 藤编 大理石 黄铜', ' ')) AS w;
CREATE INDEX ON words_en (i);
CREATE INDEX ON words_zh (i);

INSERT INTO users (id, username, display_name, password_hash)
SELECT g, 'user' || g, 'User ' || g, 'x' FROM generate_series(1, 10000) g;
INSERT INTO boards (id, owner_id, name, description)
SELECT g, 1 + (g - 1) / 5,
       CASE WHEN g % 10 = 0 THEN (SELECT w FROM words_zh WHERE i = (g * 7) % 73) || (SELECT w FROM words_zh WHERE i = (g * 13) % 73)
            ELSE initcap((SELECT w FROM words_en WHERE i = floor(250 * power(((g * 2654435761) % 1000) / 1000.0, 2))::int)
                 || ' ' || (SELECT w FROM words_en WHERE i = (g * 31) % 250)) || ' ' || g END,
       ''
  FROM generate_series(1, 50000) g;
INSERT INTO media (id, sha256, format, bytes, width, height, status, images, dominant_color)
SELECT g, md5('m' || g) || md5('n' || g), 'jpeg', 100000, 736, 900 + g % 400, 'ready',
       jsonb_build_object('236x', jsonb_build_object('file', '236x.jpg', 'width', 236, 'height', 290),
                          '474x', jsonb_build_object('file', '474x.jpg', 'width', 474, 'height', 580),
                          '736x', jsonb_build_object('file', '736x.jpg', 'width', 736, 'height', 900),
                          'orig', jsonb_build_object('file', 'orig.jpg', 'width', 736, 'height', 900)),
       '#a0b0c0'
  FROM generate_series(1, 1000) g;
INSERT INTO merchants (id, owner_id, name, domain, commission_rate_bps, api_key_hash, verification_token, domain_verified_at)
SELECT g, g, (ARRAY['Nordic Home', 'Maison Claire', 'Urban Thread', '优衣小铺', 'Glow Beauty'])[1 + g % 5] || ' ' || g,
       'shop' || g || '.example', 800, decode(md5('k' || g), 'hex'), 't', now()
  FROM generate_series(1, 100) g;
INSERT INTO products (id, merchant_id, link, price_minor, currency, availability)
SELECT g, 1 + g % 100, 'https://shop' || (1 + g % 100) || '.example/p/' || g, 1000 + g * 7 % 50000, 'CNY', 'in_stock'
  FROM generate_series(1, 2000) g;

-- Random words: w(k) is word k of the vocabulary, k skewed to the front (the frequent words).
CREATE TEMP TABLE pin_src AS
SELECT g,
       now() - (random() * interval '600 days') AS created_at,
       1 + floor(random() * 50000)::bigint AS board_id,
       g % 10 = 3 AS chinese,
       CASE WHEN g % 50 = 7 THEN 1 + (g % 2000) END AS product_id,
       floor(power(random(), 4) * CASE WHEN random() < 0.01 THEN 5000 ELSE 40 END)::int AS saves,
       2 + floor(random() * 4)::int AS title_words,
       4 + floor(random() * 14)::int AS desc_words
  FROM generate_series(1, current_setting('bench.pins')::int) g;

-- Loaded with the trigger off and pin_search written in one statement afterwards (what the trigger
-- writes row by row), its indexes built once at the end: much faster than maintaining them a row at a time.
DROP INDEX pin_search_tsv_idx;
ALTER TABLE pins DISABLE TRIGGER pins_search_write;
INSERT INTO pins (id, board_id, owner_id, media_id, title, description, link, save_count, created_at, merchant_id,
                  product_id)
SELECT x.*
  FROM (SELECT ((floor(extract(epoch FROM s.created_at) * 1000)::bigint - 1735689600000) << 12) | (s.g % 4096) AS id,
               s.board_id, 1 + (s.board_id - 1) / 5 AS owner_id, 1 + s.g % 1000 AS media_id,
               CASE WHEN s.chinese
                    THEN array_to_string(ARRAY(SELECT v.zh[1 + floor(73 * power(random(), 1.7))::int + 0 * s.g]
                                                 FROM generate_series(1, s.title_words)), '')
                    ELSE array_to_string(ARRAY(SELECT v.en[1 + floor(250 * power(random(), 2.2))::int + 0 * s.g]
                                                 FROM generate_series(1, s.title_words)), ' ')
               END AS title,
               array_to_string(ARRAY(SELECT v.en[1 + floor(250 * power(random(), 2.2))::int + 0 * s.g]
                                       FROM generate_series(1, s.desc_words)), ' ') AS description,
               CASE WHEN s.product_id IS NOT NULL THEN 'https://shop' || (1 + s.product_id % 100) || '.example/p/' || s.product_id END AS link,
               s.saves, s.created_at,
               CASE WHEN s.product_id IS NOT NULL THEN 1 + s.product_id % 100 END AS merchant_id, s.product_id
          FROM pin_src s,
               (SELECT (SELECT array_agg(w ORDER BY i) FROM words_en) AS en,
                       (SELECT array_agg(w ORDER BY i) FROM words_zh) AS zh) v) x
 ORDER BY x.id -- rows in the order a live table gets them: oldest first
ON CONFLICT (id) DO NOTHING;
ALTER TABLE pins ENABLE TRIGGER pins_search_write;
SELECT pin_search_add_partitions((SELECT min(id) FROM pins), (SELECT max(id) FROM pins));
INSERT INTO pin_search (pin_id, static, tsv)
SELECT p.id, search_static(p.id, p.save_count), search_doc(p.title, p.description, b.name, m.name)
  FROM pins p
  JOIN boards b ON b.id = p.board_id
  LEFT JOIN merchants m ON m.id = p.merchant_id
 ORDER BY p.id;
CREATE INDEX pin_search_tsv_idx ON pin_search USING gin (tsv) WITH (fastupdate = off);
INSERT INTO search_words (word)
SELECT DISTINCT search_words_of(search_names(p.title, b.name, m.name))
  FROM pins p JOIN boards b ON b.id = p.board_id LEFT JOIN merchants m ON m.id = p.merchant_id
ON CONFLICT DO NOTHING;
UPDATE boards b SET pin_count = c.n FROM (SELECT board_id, count(*) AS n FROM pins GROUP BY board_id) c WHERE b.id = c.board_id;
SELECT setval('id_seq', 100000);
