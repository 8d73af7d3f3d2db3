package io.pinstream.shop;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Commission arithmetic")
class MoneyTest {
  @Test
  @DisplayName("shares are rounded down and the pinner and platform shares always add up to the commission")
  void roundingAndSplit() {
    assertThat(Money.share(19990, 800)).isEqualTo(1599);
    assertThat(Money.share(1, 9999)).isZero();
    assertThat(Money.share(10_000, 10_000)).isEqualTo(10_000);
    Money.Split split = Money.split(19990, 800, 3000);
    assertThat(split).isEqualTo(new Money.Split(1599, 479, 1120));
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      long amount = (long) (random.nextDouble() * Money.MAX_MINOR);
      int rate = random.nextInt(10_001);
      int share = random.nextInt(10_001);
      Money.Split s = Money.split(amount, rate, share);
      BigInteger exact = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(rate)).divide(BigInteger.valueOf(10_000));
      assertThat(s.commission()).isEqualTo(exact.longValueExact());
      assertThat(s.pinner() + s.platform()).isEqualTo(s.commission());
      assertThat(s.pinner()).isBetween(0L, s.commission());
    }
  }

  @Test
  @DisplayName("the largest amount at the largest rate is exact; beyond a long it fails instead of wrapping")
  void noOverflow() {
    assertThat(Money.share(Money.MAX_MINOR, 10_000)).isEqualTo(Money.MAX_MINOR);
    assertThatThrownBy(() -> Money.share(Long.MAX_VALUE / 2, 10_000)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Money.share(-1, 100)).isInstanceOf(IllegalArgumentException.class);
  }
}
