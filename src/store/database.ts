import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Migration,
  type SqliteDatabase,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * One database handle for every repository. Each domain declares its own table types and uses
 * `store.db.withTables<TheirTables>()`, and runs its own migrations through `migrate(domain, …)`,
 * so stages never edit a shared schema file.
 */
export interface Store {
  readonly dialect: Dialect;
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  readonly db: Kysely<{}>;
  /** Applies a domain's migrations (names sort in order, e.g. `001_init`). Idempotent. */
  migrate(domain: string, migrations: Record<string, Migration>): Promise<void>;
  /**
   * After deleting personal data: makes the deleted bytes unreadable where the engine allows.
   * SQLite (secure_delete is on, so freed pages are zeroed) truncates its WAL, which still holds
   * old page images; PostgreSQL vacuums the tables so dead rows become reusable space.
   */
  scrub(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… ; when absent, SQLite at `sqliteFile`. */
  dbUrl?: string;
  sqliteFile?: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.dbUrl && /^postgres(ql)?:\/\//.test(options.dbUrl)) {
    // Loaded only for PostgreSQL: an embedded (SQLite) start does not pay for the driver.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.dbUrl, max: 10 });
    // BIGINT comes back as a string by default; our ids and timestamps fit in a double.
    pg.types.setTypeParser(20, (v) => Number(v));
    await pool.query('select 1');
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    return makeStore('postgres', db, async (tables) => {
      for (const table of tables) await sql`vacuum ${sql.table(table)}`.execute(db);
    });
  }
  const file = options.sqliteFile ?? ':memory:';
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  // WAL: readers never block the writer; a killed process loses nothing already committed.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten with zeros, not left readable in free pages.
  database.pragma('secure_delete = ON');
  const dialect = new SqliteDialect({ database: reusingStatements(database) });
  return makeStore('sqlite', new Kysely({ dialect }), async () => {
    database.pragma('wal_checkpoint(TRUNCATE)');
  });
}

/** Statements kept per SQL text, the most recently used this many. */
const STATEMENT_CACHE = 200;

/**
 * The database as Kysely's SQLite driver sees it, with each statement compiled once: the driver
 * prepares one per query, and for the archive's row writes of live calls compiling an upsert cost
 * more than running it. A statement still being iterated (a streamed select) is not handed out
 * again: that query gets a fresh one.
 */
function reusingStatements(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text) {
      const cached = cache.get(text);
      if (cached?.busy) return database.prepare(text);
      const statement = cached ?? database.prepare(text);
      // Map order is use order: the oldest goes first when the cache is full.
      cache.delete(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

function makeStore(
  dialect: Dialect,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  db: Kysely<{}>,
  scrub: (tables: readonly string[]) => Promise<void>,
): Store {
  return {
    dialect,
    db,
    scrub,
    async migrate(domain, migrations) {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: `migrations_${domain}`,
        migrationLockTableName: `migrations_${domain}_lock`,
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
    },
    close: () => db.destroy(),
  };
}
