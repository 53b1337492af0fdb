-- AlterTable
ALTER TABLE "Volume" ALTER COLUMN "hostId" DROP NOT NULL;
