/** What every runner command needs. Paths are absolute or relative to the current directory. */
export interface MigrateOptions {
  /** postgres://user:password@host:port/database[?schema=...&sslmode=...] */
  databaseUrl: string;
  /** The directory holding migration_lock.toml and the <timestamp>_<name>/ directories. */
  migrationsDir: string;
  /** prisma/schema.prisma */
  schemaPath: string;
  /** Receives the schema engine's log lines (JSON), for debugging. */
  onEngineLog?: (line: string) => void;
}
