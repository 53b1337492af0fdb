import type { ReactNode } from 'react';
import './globals.css';

export const metadata = { title: 'Gantry', description: 'Your own Heroku: git push to deploy.' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
