export { openStore, type Store, type Dialect, type OpenStoreOptions } from './database.js';
