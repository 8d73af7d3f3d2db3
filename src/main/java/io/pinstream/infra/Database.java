package io.pinstream.infra;

import io.pinstream.config.Config;
import io.pinstream.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * PostgreSQL set-up: creates the database when it does not exist, applies the Flyway migrations in
 * {@code db/migration}, and builds the reactive pool the service uses. Migration uses JDBC and
 * blocks, so it runs before the HTTP verticles start (on a worker thread, never an event loop).
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private Database() {
  }

  public static PgConnectOptions connectOptions(Config.Pg pg) {
    try {
      return PgConnectOptions.fromUri(pg.uri());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PINSTREAM_PG_URI is not a valid PostgreSQL URI: " + e.getMessage());
    }
  }

  /**
   * The raw pool. Callers use it through {@link DeadlinePool}s; the server's {@code statement_timeout}
   * (the longest, background deadline) ends a statement whose caller has long given up.
   */
  public static Pool pool(Vertx vertx, Config.Pg pg) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(pg.poolSize()).setMaxWaitQueueSize(pg.poolSize() * 64)
            .setConnectionTimeout(5).setName("pinstream-pg"))
        .connectingTo(connectOptions(pg).setPipeliningLimit(256).setCachePreparedStatements(true)
            .addProperty("statement_timeout", Integer.toString(pg.backgroundQueryTimeoutMs())))
        .using(vertx)
        .build();
  }

  /** Blocking: create the database if needed, then migrate it. */
  public static void migrate(Config.Pg pg) {
    PgConnectOptions options = connectOptions(pg);
    createDatabaseIfMissing(options);
    Flyway.configure()
        .dataSource(jdbcUrl(options, options.getDatabase()), options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  private static void createDatabaseIfMissing(PgConnectOptions options) {
    String database = options.getDatabase();
    try (Connection c = connect(options, "postgres")) {
      try (var check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        check.setString(1, database);
        if (check.executeQuery().next()) {
          return;
        }
      }
      try (var create = c.createStatement()) {
        create.execute("CREATE DATABASE " + quoteIdentifier(database));
        log.info("created database {}", database);
      } catch (SQLException e) {
        // Another node created it between our check and our CREATE: that is fine.
        if (!"42P04".equals(e.getSQLState())) {
          throw e;
        }
      }
    } catch (SQLException e) {
      throw new ConfigException("cannot reach PostgreSQL at " + options.getHost() + ":" + options.getPort()
          + " as " + options.getUser() + " (PINSTREAM_PG_URI): " + firstLine(e.getMessage()));
    }
  }

  /** Blocking: drops a database (tests use one database per test class). */
  public static void dropDatabase(Config.Pg pg) {
    PgConnectOptions options = connectOptions(pg);
    try (Connection c = connect(options, "postgres"); var drop = c.createStatement()) {
      drop.execute("DROP DATABASE IF EXISTS " + quoteIdentifier(options.getDatabase()) + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Connection connect(PgConnectOptions options, String database) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", options.getUser());
    if (options.getPassword() != null) {
      props.setProperty("password", options.getPassword());
    }
    props.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(jdbcUrl(options, database), props);
  }

  private static String jdbcUrl(PgConnectOptions options, String database) {
    return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
