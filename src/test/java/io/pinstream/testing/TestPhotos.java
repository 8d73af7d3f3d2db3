package io.pinstream.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Small photos made on the spot, each different (so uploads are not deduplicated unless meant to be). */
public final class TestPhotos {
  private static int counter;

  private TestPhotos() {
  }

  public static synchronized byte[] jpeg(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    int n = ++counter;
    g.setPaint(new GradientPaint(0, 0, new Color(n * 37 % 256, 90, 160), width, height, new Color(240, n * 53 % 256, 40)));
    g.fillRect(0, 0, width, height);
    g.setColor(Color.WHITE);
    g.drawString("photo " + n + " " + System.nanoTime(), 10, 20);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "jpeg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
