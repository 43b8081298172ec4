import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { OpenStoreOptions } from '../database.js';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** Fresh, empty database options for one test. */
  options(): Promise<OpenStoreOptions>;
}

/** Base URL of the PostgreSQL server the shared store suite runs against. */
export const TEST_PG_URL = process.env.HOTLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let counter = 0;

/**
 * The backends one shared repository suite runs against: always SQLite; PostgreSQL unless
 * HOTLINE_TEST_PG=skip (each test gets its own fresh database on the server). `.ci/run` makes sure
 * the server is up; a missing server fails the suite loudly rather than passing silently.
 */
export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [
    {
      name: 'sqlite',
      options: async () => ({ sqliteFile: join(mkdtempSync(join(tmpdir(), 'hotline-store-')), 'test.db') }),
    },
  ];
  if (process.env.HOTLINE_TEST_PG === 'skip') {
    console.warn('[store] PostgreSQL leg skipped: HOTLINE_TEST_PG=skip');
    return backends;
  }
  backends.push({
    name: 'postgres',
    options: async () => {
      const name = `hotline_test_${process.pid}_${Date.now()}_${counter++}`;
      const admin = new pg.Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(TEST_PG_URL);
      url.pathname = `/${name}`;
      return { dbUrl: url.toString() };
    },
  });
  return backends;
}
