import type { Migration } from 'kysely';
import type { Store } from '../database.js';
import { auditMigrations } from './audit.js';
import { authMigrations } from './auth.js';
import { caseNumbersMigrations } from './case-numbers.js';
import { caseSystemMigrations } from './case-system.js';
import { casesMigrations } from './cases.js';
import { conversationsMigrations } from './conversations.js';
import { kbLearningMigrations } from './kb-learning.js';
import { kbVectorsMigrations } from './kb-vectors.js';
import { kbMigrations } from './kb.js';
import { storageProbeMigrations } from './storage-probe.js';

/**
 * Every domain's migrations, by the name of its migration table (`migrations_<domain>`). Each
 * domain's versions (`001_init`, `002_…`) live in their own file and run in name order; a domain's
 * name here is the only place it is spelled, so a repository and the migration test agree.
 */
export const MIGRATIONS = {
  audit: auditMigrations,
  auth: authMigrations,
  case_numbers: caseNumbersMigrations,
  case_system: caseSystemMigrations,
  cases: casesMigrations,
  conversations: conversationsMigrations,
  kb: kbMigrations,
  kb_learning: kbLearningMigrations,
  kb_vectors: kbVectorsMigrations,
  storage_probe: storageProbeMigrations,
} satisfies Record<string, Record<string, Migration>>;

export type MigrationDomain = keyof typeof MIGRATIONS;

/** Brings one domain's tables to its latest version (idempotent). */
export const migrateDomain = (store: Store, domain: MigrationDomain): Promise<void> =>
  store.migrate(domain, MIGRATIONS[domain]);
