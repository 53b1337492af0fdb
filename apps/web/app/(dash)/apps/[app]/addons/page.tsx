'use client';
import type { AddonView, VolumeView } from '@gantry/api-client';
import { ErrorBox, Loading } from '../../../../_components/session';
import { appPath } from '../../../../_lib/api';
import { usePoll } from '../../../../_lib/hooks';
import { useApp } from '../app-context';
import { AddonCard } from './addon-card';
import { VolumesSection } from './volumes';

/** The app's add-ons (state, host, backups, live figures) and its volumes. */
export default function AddonsPage() {
  const { name, canWrite } = useApp();
  const addons = usePoll<AddonView[]>(appPath(name, '/addons'), 5000);
  const volumes = usePoll<VolumeView[]>(appPath(name, '/volumes'), 5000);
  return (
    <div className="stack">
      <ErrorBox error={addons.error} />
      {!addons.data ? (
        addons.loading ? <Loading /> : null
      ) : addons.data.length === 0 ? (
        <div className="card empty" data-testid="no-addons">
          No add-ons. Provision one with <span className="mono">gantry addons:create postgres -a {name}</span>.
        </div>
      ) : (
        addons.data.map((a) => <AddonCard key={a.name} addon={a} app={name} canWrite={canWrite} />)
      )}
      <VolumesSection volumes={volumes} />
    </div>
  );
}
