import { Health } from './health';

export default function Home() {
  return (
    <main>
      <h1>Gantry</h1>
      <p className="muted">Your own Heroku: push code, get a running app.</p>
      <section className="card">
        <h2>Platform status</h2>
        <Health />
      </section>
      <section className="card">
        <h2>Deploy an app</h2>
        <pre>{`cd my-app
npx gantry apps:create my-app     # adds the "gantry" git remote
git push gantry main              # builds, releases and serves it
npx gantry open`}</pre>
      </section>
    </main>
  );
}
