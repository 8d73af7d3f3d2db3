package io.pinstream.shop;

import io.pinstream.common.Problems;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves that a merchant controls its domain before {@code /go} sends anyone there: the domain serves
 * the merchant's verification token at {@code https://{domain}/.well-known/pinstream-verification},
 * or publishes a DNS TXT record {@code pinstream-verification=<token>}. With
 * {@code shop.domain_verification = off} (development, tests) every domain counts as verified.
 *
 * <p>The server fetches a URL on a domain a user named, so the fetch is kept small and blind: no
 * redirects, 5 s, at most 4 KB read, and a domain that resolves to a loopback, private or link-local
 * address is refused (a merchant cannot make the server probe its own network).
 */
public final class DomainVerifier {
  static final String TXT_PREFIX = "pinstream-verification=";
  private static final int MAX_BODY = 4096;
  private static final int TIMEOUT_MS = 5000;
  private final Vertx vertx;
  private final boolean enforced;
  private final String urlTemplate;
  private final HttpClient http;
  private final DnsClient dns;

  public DomainVerifier(Vertx vertx, Config.Shop shop) {
    this.vertx = vertx;
    this.enforced = shop.domainVerification();
    this.urlTemplate = shop.verificationUrl();
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(TIMEOUT_MS)
        .setIdleTimeout(TIMEOUT_MS / 1000).setMaxRedirects(0));
    this.dns = vertx.createDnsClient(new DnsClientOptions().setQueryTimeout(TIMEOUT_MS));
  }

  /** Whether {@code /go} may redirect to a merchant whose domain is (or is not) verified. */
  public boolean redirects(boolean domainVerified) {
    return domainVerified || !enforced;
  }

  public String fileUrl(String domain) {
    return urlTemplate.replace("{domain}", domain);
  }

  /** Succeeds when the domain shows the merchant's token; else 422 {@code domain_not_verified} saying what was seen. */
  public Future<Void> check(Merchant merchant) {
    List<String> seen = new ArrayList<>();
    return viaFile(merchant, seen)
        .compose(ok -> ok ? Future.succeededFuture(true) : viaDns(merchant, seen))
        .compose(ok -> ok ? Future.<Void>succeededFuture() : Future.failedFuture(Problems.unprocessable(
            "domain_not_verified", "Neither " + fileUrl(merchant.domain()) + " nor a DNS TXT record of "
                + merchant.domain() + " shows the verification token (" + String.join("; ", seen) + ")")));
  }

  private Future<Boolean> viaFile(Merchant merchant, List<String> seen) {
    String url = fileUrl(merchant.domain());
    Future<Void> safe = urlTemplate.contains("://{domain}") ? publicAddress(merchant.domain()) : Future.succeededFuture();
    return safe
        .compose(v -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
            .setTimeout(TIMEOUT_MS).setFollowRedirects(false)))
        .compose(request -> request.send().compose(response -> {
          if (response.statusCode() != 200) {
            seen.add("the file answered " + response.statusCode());
            request.reset();
            return Future.succeededFuture(false);
          }
          Promise<Buffer> body = Promise.promise();
          Buffer read = Buffer.buffer();
          response.handler(chunk -> {
            if (read.length() + chunk.length() > MAX_BODY) {
              request.reset();
              body.tryFail("the file is larger than " + MAX_BODY + " bytes");
            } else {
              read.appendBuffer(chunk);
            }
          });
          response.endHandler(v -> body.tryComplete(read));
          response.exceptionHandler(body::tryFail);
          return body.future().map(b -> {
            boolean ok = b.toString().trim().equals(merchant.verificationToken());
            if (!ok) {
              seen.add("the file does not hold the token");
            }
            return ok;
          });
        }))
        .recover(e -> {
          seen.add("the file could not be read: " + e.getMessage());
          return Future.succeededFuture(false);
        });
  }

  private Future<Boolean> viaDns(Merchant merchant, List<String> seen) {
    return dns.resolveTXT(merchant.domain())
        .map(records -> {
          boolean ok = records.stream().anyMatch(r -> r.trim().equals(TXT_PREFIX + merchant.verificationToken()));
          if (!ok) {
            seen.add("no matching TXT record among " + records.size());
          }
          return ok;
        })
        .recover(e -> {
          seen.add("the TXT lookup failed: " + e.getMessage());
          return Future.succeededFuture(false);
        });
  }

  /** Fails when the domain resolves to an address of this machine or a private network. */
  private Future<Void> publicAddress(String domain) {
    return vertx.executeBlocking(() -> {
      for (InetAddress address : InetAddress.getAllByName(domain)) {
        if (!isPublic(address)) {
          throw new IllegalStateException(domain + " resolves to a non-public address");
        }
      }
      return null;
    }, false);
  }

  static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) != 0xfc; // fc00::/7, unique local
    }
    return !((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64); // 100.64.0.0/10, carrier-grade NAT
  }
}
