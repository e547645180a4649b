import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { describePathIds, describeValidation, noHeadOnApi, noStore, requestModels, requireJsonBody, verifyJsonBody } from '@amparo/common';
import type { AppConfig } from '@amparo/config';

/** HTTP concerns shared by main.ts and the e2e tests, so the tests exercise the real stack. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy > 0 ? config.trustProxy : false);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  // No ETag computed over every answer (a hash of a reveal's or a board's body): API answers are not kept, nor
  // revalidated (noStore). A case's and a profile's own ETag, their version for If-Match, is set by their routes.
  app.set('etag', false);
  // Helmet's Content-Security-Policy asks browsers to fetch a page's assets over https: served over plain http (on
  // the organization's network, or in Safari even on localhost), /docs then loaded none and was blank. Only behind an
  // https PUBLIC_URL.
  const https = config.publicUrl.startsWith('https:');
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } } }));
  app.use('/api', noStore, noHeadOnApi);
  app.use(requireJsonBody); // before any body parser
  // Nest's type of the options leaves `verify` out (its `rawBody` option sets it: not used here); body-parser gets it.
  const json = { limit: config.bodyLimit, verify: verifyJsonBody };
  app.useBodyParser('json', json);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Amparo API')
      .setDescription(
        'Confidential case intake and attorney referral for immigrant legal-aid organizations. ' +
          'Errors: `{statusCode, error, message, code?, fields?, errorId?}`; 404 also means "not visible to you"; ' +
          '409 `CONCURRENT_UPDATE` and 503 `DATABASE_UNAVAILABLE` or `DATABASE_BUSY` carry `Retry-After` and may be sent again; ' +
          '429 `RATE_LIMITED` carries `Retry-After`, the seconds until the window or lock ends. ' +
          'Request schemas describe each value in its canonical form: send that. Some fields also take variants (spaces ' +
          'around, a code in capitals, a blank for none), not every field.',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  describeValidation(document, requestModels(app));
  describePathIds(document);
  // The UI's assets are relative to /docs: from /docs/ they were looked for under /docs/docs/ (404, a blank page).
  app.use((req: { path: string; method: string }, res: { redirect(status: number, url: string): void }, next: () => void) =>
    (req.path === '/docs/' && (req.method === 'GET' || req.method === 'HEAD') ? res.redirect(301, '/docs') : next()));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
