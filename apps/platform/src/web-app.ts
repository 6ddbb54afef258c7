import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Paths the web app never answers: the API and the infrastructure endpoints keep their own answers. */
const NOT_THE_APP = /^\/(api|health|ready|metrics|sip)(\/|$)/;

/**
 * Serves the built web app (apps/web/dist): hashed assets as static files, and index.html for
 * the app's own routes (GET, HTML wanted, not an API or infrastructure path). Registered before
 * Nest's routes so its 404 handler stays last. False when the app has not been built.
 */
export function serveWebApp(app: INestApplication, webRoot: string): boolean {
  const index = join(webRoot, 'index.html');
  if (!existsSync(index)) return false;
  app.use(express.static(webRoot, { index: false, maxAge: '1y', immutable: true }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || NOT_THE_APP.test(req.path) || !req.accepts('html')) return next();
    res.sendFile(index, { headers: { 'cache-control': 'no-cache' } });
  });
  return true;
}
