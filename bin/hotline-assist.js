#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npx hotline-assist …` works in a checkout.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
