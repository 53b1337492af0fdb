#!/usr/bin/env node
// gantry-agent: works for one Docker host (see apps/agent/README.md).
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
