import { type INestApplication, RequestMethod } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response } from 'express';
import { ApiExceptionFilter, bodyParserErrorBody } from './api-exception.filter';

export interface HttpAppOptions {
  logger: { error(obj: object, msg?: string): void };
  title: string;
  version?: string;
  /** Take the client address from X-Forwarded-For (only behind a trusted ingress). */
  trustProxy?: boolean;
  /** Largest JSON body accepted (default 256kb). */
  bodyLimit?: string;
}

/**
 * The HTTP conventions every Parley service shares: the API under /api/v1 (with /health, /ready
 * and /metrics at the root), one error shape, a bounded JSON body and OpenAPI at /api/docs.
 * Signals are the caller's to handle (see `closeOnSignals`), so it can drain in order.
 */
export function configureHttpApp(app: INestApplication, options: HttpAppOptions): void {
  const express = app as NestExpressApplication;
  express.use(json({ limit: options.bodyLimit ?? '256kb' }));
  express.use(bodyParserErrors);
  express.set('trust proxy', options.trustProxy ?? false);
  express.disable('x-powered-by');
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalFilters(new ApiExceptionFilter(options.logger));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(options.title).setVersion(options.version ?? '1').addBearerAuth().addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key').build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
}

/** Answers body-parser failures (malformed JSON, too large, wrong charset) with the shared error shape, naming the body. */
function bodyParserErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const body = bodyParserErrorBody(error);
  if (!body) return next(error);
  res.status(body.statusCode).json(body);
}

/**
 * Nest's own start-up chatter (modules initialized, every route mapped) is dropped at the info
 * level: the service's logs stay about its work. At debug it shows; stricter levels apply as set.
 */
export function nestFrameworkLogger<T extends { level: string; child(bindings: object, options?: { level?: string }): T }>(logger: T): T {
  return logger.child({ component: 'nest' }, { level: logger.level === 'info' ? 'warn' : logger.level });
}
