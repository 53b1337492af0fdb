-- AlterTable
ALTER TABLE "App" ADD COLUMN     "firstByteTimeout" INTEGER NOT NULL DEFAULT 30,
ADD COLUMN     "httpsRedirect" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "idleTimeout" INTEGER NOT NULL DEFAULT 55;

-- CreateTable
CREATE TABLE "Domain" (
    "id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "appId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Domain_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "hostnames" TEXT[],
    "certPem" TEXT NOT NULL,
    "keyEncrypted" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Domain_hostname_key" ON "Domain"("hostname");

-- CreateIndex
CREATE INDEX "Domain_appId_idx" ON "Domain"("appId");

-- CreateIndex
CREATE INDEX "Certificate_appId_idx" ON "Certificate"("appId");

-- AddForeignKey
ALTER TABLE "Domain" ADD CONSTRAINT "Domain_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;
