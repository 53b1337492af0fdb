import Link from 'next/link';
import { Health } from './health';

export default function Home() {
  return (
    <main className="landing stack">
      <div className="page-head">
        <div>
          <h1>Gantry</h1>
          <p className="muted">Your own Heroku: push code, get a running app.</p>
        </div>
        <Link className="button primary" href="/apps">
          Open the dashboard
        </Link>
      </div>
      <section className="card">
        <h2>Platform status</h2>
        <Health />
      </section>
      <section className="card">
        <h2>Deploy an app</h2>
        <pre className="plain">{`cd my-app
npx gantry apps:create my-app     # adds the "gantry" git remote
git push gantry main              # builds, releases and serves it
npx gantry open`}</pre>
      </section>
    </main>
  );
}
