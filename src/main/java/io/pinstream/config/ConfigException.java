package io.pinstream.config;

/** A setting is missing or wrong; its message is one line an operator can act on. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
