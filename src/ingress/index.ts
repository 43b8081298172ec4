export { streamRoutes, type StreamRoutesOptions } from './routes.js';
export { ClientQueue, type ClientQueueOptions } from './client-queue.js';
