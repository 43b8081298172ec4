/** The categories and referral lines are part of the published wire protocol. */
export {
  emergencyProtocols,
  urgencyCategories,
  type EmergencyProtocol,
  type UrgencyCategory,
} from '../protocol/index.js';
