/**
 * The first thing an agent says when an urgency alert fires: a short reviewed script per category
 * and referral line (data/urgency/protocols.json), carried by every alert.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BUNDLED_DATA_DIR } from '../config/index.js';
import type { UrgentAlert } from '../protocol/index.js';
import {
  emergencyProtocols,
  urgencyCategories,
  type EmergencyProtocol,
  type UrgencyCategory,
} from './urgency-categories.js';
import type { Urgency } from './urgency.js';

const protocolsSchema = z.object({
  about: z.string(),
  lines: z.record(z.enum(emergencyProtocols), z.string().min(1)),
  scripts: z.record(
    z.enum(urgencyCategories),
    z.partialRecord(z.enum(emergencyProtocols), z.string().min(1)),
  ),
});
export type EmergencyScripts = z.infer<typeof protocolsSchema>;

export const BUNDLED_EMERGENCY_SCRIPTS = join(BUNDLED_DATA_DIR, 'urgency', 'protocols.json');

let bundled: EmergencyScripts | null = null;

export function emergencyScripts(): EmergencyScripts {
  bundled ??= protocolsSchema.parse(JSON.parse(readFileSync(BUNDLED_EMERGENCY_SCRIPTS, 'utf8')));
  return bundled;
}

/**
 * The script for a category and referral; a referral the category has no script for falls back to
 * the category's first one with the line named, so an alert always carries something to say.
 */
export function emergencyScript(category: UrgencyCategory, protocol: EmergencyProtocol): string {
  const { scripts, lines } = emergencyScripts();
  const forCategory = scripts[category] ?? {};
  const exact = forCategory[protocol];
  if (exact) return exact;
  const first = Object.values(forCategory)[0];
  return `${first ?? '請告訴我現在的確切位置，有沒有人受傷，請不要掛電話。'}請同時聯絡${lines[protocol] ?? protocol}。`;
}

/** The wire form of an urgency (`alerts` of the text channel, the body of an `alert` event). */
export function urgentAlert(urgency: Urgency): UrgentAlert {
  return {
    level: urgency.level,
    category: urgency.category,
    protocol: urgency.protocol,
    script: emergencyScript(urgency.category, urgency.protocol),
  };
}
