/** What an urgent turn can be about, and where it is referred first. */
export const urgencyCategories = [
  'suicide',
  'self_harm',
  'overdose',
  'domestic_violence',
  'child_abuse',
  'violence_threat',
  'fire_gas',
  'medical',
  'disaster',
  'crime_in_progress',
] as const;
export type UrgencyCategory = (typeof urgencyCategories)[number];

/** First referral: 119 fire/ambulance, 110 police, 113 protection hotline, 1925 mental-health line. */
export const emergencyProtocols = ['119', '110', '113', '1925'] as const;
export type EmergencyProtocol = (typeof emergencyProtocols)[number];
