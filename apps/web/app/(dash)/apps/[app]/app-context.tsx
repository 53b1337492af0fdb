'use client';
import { useParams } from 'next/navigation';
import { createContext, useContext } from 'react';
import type { AppInfoView } from '@gantry/api-client';
import type { Polled } from '../../../_lib/hooks';
import type { AppSummary } from '../../../_lib/types';

export interface AppCtx {
  name: string;
  summary: Polled<AppSummary>;
  info: Polled<AppInfoView>;
  /** May the user change this app (member or above)? Viewers get read-only pages. */
  canWrite: boolean;
}

export const AppContext = createContext<AppCtx | null>(null);

export function useApp(): AppCtx {
  const c = useContext(AppContext);
  if (!c) throw new Error('useApp outside an app page');
  return c;
}

export function useAppName(): string {
  return decodeURIComponent(String(useParams<{ app: string }>().app));
}
