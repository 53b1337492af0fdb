import type { ReactNode } from 'react';
import { Shell } from '../_components/session';

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return <Shell>{children}</Shell>;
}
