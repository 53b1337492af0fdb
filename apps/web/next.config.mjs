// Plain JavaScript on purpose: a next.config.ts is compiled by Next's native SWC binding at every
// server start, and that binding then stays mapped in the API's process (about 24 MB resident).
/** @type {import('next').NextConfig} */
const config = {
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
