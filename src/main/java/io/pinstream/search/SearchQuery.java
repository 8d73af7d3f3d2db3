package io.pinstream.search;

import io.pinstream.common.Problems;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a person typed into the search box, split the way the index is built (see V10__search.sql):
 * words in Latin and other spaced scripts go to PostgreSQL's English full-text parser
 * ({@code websearch_to_tsquery}: "quoted phrases", {@code -excluded}, {@code or}); runs of Chinese,
 * Japanese or Korean characters, written without spaces, become phrases of adjacent character pairs
 * ({@code 连衣裙} -> {@code '连衣' <2> '衣裙'}), which find the run inside any longer title.
 *
 * @param text    the query as searched (trimmed, whitespace collapsed), at most {@link #MAX_LENGTH} characters
 * @param words   the non-CJK part, for {@code websearch_to_tsquery('english', ...)}; may be empty
 * @param typed   the words (letters and digits only) for {@code to_tsquery('english', ...)} with the last one
 *                also as a prefix ({@code summer & dre:*}), for a query still being typed; may be empty
 * @param cjk     a {@code to_tsquery('simple', ...)} text of the CJK runs (only CJK characters, quoted); may be empty
 * @param typo    the words lower-cased, for trigram word similarity; empty when too short to correct
 */
record SearchQuery(String text, String words, String typed, String cjk, String typo) {
  static final int MAX_LENGTH = 200;
  /** Below this many letters a typo match would match almost anything. */
  private static final int MIN_TYPO_LETTERS = 4;

  static SearchQuery parse(String raw) {
    if (raw == null || raw.isBlank()) {
      throw Problems.badRequest("invalid_query", "q must name what to search for");
    }
    String text = raw.replaceAll("[\\p{Cc}\\p{Cf}\\s]+", " ").strip();
    if (text.isEmpty()) {
      throw Problems.badRequest("invalid_query", "q must name what to search for");
    }
    if (text.codePointCount(0, text.length()) > MAX_LENGTH) {
      throw Problems.badRequest("invalid_query", "q must be at most " + MAX_LENGTH + " characters");
    }
    StringBuilder words = new StringBuilder();
    List<String> runs = new ArrayList<>();
    StringBuilder run = new StringBuilder();
    text.codePoints().forEach(cp -> {
      if (isCjk(cp)) {
        run.appendCodePoint(cp);
        return;
      }
      if (!run.isEmpty()) {
        runs.add(run.toString());
        run.setLength(0);
        words.append(' ');
      }
      words.appendCodePoint(cp);
    });
    if (!run.isEmpty()) {
      runs.add(run.toString());
    }
    String latin = words.toString().replaceAll(" +", " ").strip();
    String letters = latin.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
    int letterCount = letters.replace(" ", "").length();
    String typed = letters.isEmpty() ? "" : String.join(" & ", letters.split(" ")) + ":*";
    return new SearchQuery(text, latin, typed, cjkQuery(runs), letterCount >= MIN_TYPO_LETTERS ? letters : "");
  }

  /** The runs as phrases of adjacent pairs (a lone character as itself), all required. */
  private static String cjkQuery(List<String> runs) {
    List<String> phrases = new ArrayList<>();
    for (String r : runs) {
      int[] cps = r.codePoints().toArray();
      if (cps.length == 1) {
        phrases.add("'" + r + "'");
        continue;
      }
      List<String> pairs = new ArrayList<>();
      for (int i = 0; i + 1 < cps.length; i++) {
        pairs.add("'" + new String(cps, i, 2) + "'");
      }
      phrases.add(String.join(" <2> ", pairs));
    }
    return String.join(" & ", phrases);
  }

  /** The same ranges as search_cjk_grams() in V10__search.sql: kana, CJK ideographs, hangul. */
  static boolean isCjk(int cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF);
  }
}
