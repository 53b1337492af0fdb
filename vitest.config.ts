import { defineConfig } from 'vitest/config';

// Projects:
//  - unit:       pure logic, next to the code; no services.
//  - buildpacks: runs buildpacks in real containers of the stack image (Docker only).
//  - integration: one component (router, git service...) against real Redis/Postgres/Docker.
//  - e2e:        test/e2e: real git, Docker, Redis, Postgres and a Gantry started by the setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/web/app/**/*.test.ts', 'buildpacks/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'buildpacks',
          include: ['test/buildpacks/**/*.test.ts'],
          globalSetup: ['test/setup/docker.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
