-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "tlsCa" TEXT,
ADD COLUMN     "tlsCert" TEXT,
ADD COLUMN     "tlsKeyEncrypted" TEXT;
