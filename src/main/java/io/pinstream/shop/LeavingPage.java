package io.pinstream.shop;

import io.vertx.core.http.HttpServerResponse;

/**
 * What {@code /go} shows for a link it does not vouch for (a plain pin's, or a product of a merchant
 * whose domain is not verified): a page that names the destination and lets the person choose,
 * never a bare redirect that would make this domain a springboard for phishing.
 */
final class LeavingPage {
  private LeavingPage() {
  }

  static void send(HttpServerResponse response, String link) {
    String href = escape(link);
    response.setStatusCode(200)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .end("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
            <title>Leaving Pinstream</title>
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}
            code{word-break:break-all;background:#f2f2f2;padding:.1rem .3rem}
            a.go{display:inline-block;margin-top:1rem;padding:.7rem 1.2rem;border-radius:2rem;background:#e60023;
            color:#fff;text-decoration:none}</style></head>
            <body><main><h1>You are leaving Pinstream</h1>
            <p>This pin links to <code>%s</code>, a site Pinstream has not verified. Continue only if you trust it.</p>
            <a class="go" href="%s" rel="nofollow noopener noreferrer">Continue to the site</a>
            </main></body></html>
            """.formatted(href, href));
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
