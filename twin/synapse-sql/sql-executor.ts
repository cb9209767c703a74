import { SQL_ERRORS, type SqlCatalog, type SqlDatabase } from './catalog.ts';
import type { StatementResult } from './server.ts';
import { parseBatch, type Statement, StatementError } from './statements.ts';

/** Runs a SELECT over the session database's views (DuckDB over the lake's files, read as the caller). */
export type SelectRunner = (
  sql: string,
  context: { db: SqlDatabase; sid: string; catalog: SqlCatalog },
) => Promise<StatementResult>;

/**
 * One logged-in session's batches. The batch is parsed whole first: a statement the twin does not know fails the
 * batch before anything runs (as a batch that does not compile). Then each statement runs with the permission
 * check SQL Server makes for it; a refused statement is an ERROR and the batch goes on, as statement-level errors
 * do in SQL Server.
 */
export class SqlSessionExecutor {
  readonly catalog: SqlCatalog;
  readonly db: SqlDatabase;
  /** The caller's object id. */
  readonly sid: string;
  readonly select: SelectRunner;

  constructor(catalog: SqlCatalog, db: SqlDatabase, sid: string, select: SelectRunner) {
    this.catalog = catalog;
    this.db = db;
    this.sid = sid;
    this.select = select;
  }

  async execute(batch: string): Promise<StatementResult[]> {
    let statements: Statement[];
    try {
      statements = parseBatch(batch);
    } catch (error) {
      if (error instanceof StatementError)
        return [{ kind: 'error', error: SQL_ERRORS.notSupported(error.message) }];
      throw error;
    }
    const results: StatementResult[] = [];
    for (const statement of statements) results.push(await this.#run(statement));
    return results;
  }

  async #run(s: Statement): Promise<StatementResult> {
    const { catalog, db, sid } = this;
    const ok: StatementResult = { kind: 'done' };
    const error = (e: StatementResult & { kind: 'error' }) => e;
    const refuse = (message: ReturnType<(typeof SQL_ERRORS)[keyof typeof SQL_ERRORS]>) =>
      error({ kind: 'error', error: message });
    switch (s.kind) {
      case 'set':
        return ok;
      case 'if-db-missing':
        return catalog.database(s.database) ? ok : this.#run(s.body);
      case 'if-not-exists': {
        const exists =
          s.catalog === 'server_principals'
            ? catalog.logins.has(s.name.toLowerCase())
            : s.catalog === 'database_principals'
              ? db.users.has(s.name.toLowerCase())
              : // Metadata visibility: a source is seen by those who may use or alter it.
                db.dataSources.has(s.name.toLowerCase()) && catalog.isUser(db, sid);
        return exists ? ok : this.#run(s.body);
      }
      case 'create-database':
        // CREATE DATABASE needs CREATE ANY DATABASE in master: on serverless only the Entra admin holds it.
        if (db.name !== 'master' || !catalog.isAdmin(sid))
          return refuse(SQL_ERRORS.permissionDenied('CREATE DATABASE', db.name));
        if (catalog.database(s.database)) return refuse(SQL_ERRORS.databaseExists(s.database));
        catalog.create(s.database, s.collation ?? 'SQL_Latin1_General_CP1_CI_AS');
        return ok;
      case 'create-login': {
        if (db.name !== 'master' || !catalog.isAdmin(sid)) return refuse(SQL_ERRORS.noPermission());
        if (catalog.logins.has(s.name.toLowerCase())) return refuse(SQL_ERRORS.loginExists(s.name));
        const principal = catalog.directory(s.name);
        if (!principal) return refuse(SQL_ERRORS.noSuchPrincipal(s.name));
        catalog.logins.set(s.name.toLowerCase(), { name: s.name, sid: principal });
        return ok;
      }
      case 'create-user': {
        if (!catalog.isAdmin(sid)) return refuse(SQL_ERRORS.noPermission());
        if (db.users.has(s.name.toLowerCase())) return refuse(SQL_ERRORS.userExists(s.name));
        const login = catalog.logins.get(s.login.toLowerCase());
        const principal = login?.sid ?? catalog.directory(s.login);
        if (!principal) return refuse(SQL_ERRORS.noSuchPrincipal(s.login));
        db.users.set(s.name.toLowerCase(), { name: s.name, sid: principal });
        return ok;
      }
      case 'grant': {
        if (!catalog.isAdmin(sid))
          return refuse({ number: 4613, class: 16, message: 'Grantor does not have GRANT permission.' });
        const user = db.users.get(s.to.toLowerCase());
        if (!user) return refuse(SQL_ERRORS.noSuchUser(s.to));
        const permission = (s.on ? `${s.permission} ON ${s.on}` : s.permission).toUpperCase();
        db.grants.set(user.sid, (db.grants.get(user.sid) ?? new Set()).add(permission));
        return ok;
      }
      case 'create-data-source':
        if (!catalog.can(db, sid, 'ALTER ANY EXTERNAL DATA SOURCE')) {
          return refuse(SQL_ERRORS.permissionDenied('CREATE EXTERNAL DATA SOURCE', db.name));
        }
        if (db.dataSources.has(s.name.toLowerCase())) return refuse(SQL_ERRORS.objectExists(s.name));
        db.dataSources.set(s.name.toLowerCase(), { name: s.name, location: s.location });
        return ok;
      case 'create-view': {
        // CREATE VIEW in the database and ALTER on the schema that holds it (CREATE VIEW, "Permissions").
        const schema = s.name.split('.')[0]!;
        if (!catalog.can(db, sid, 'CREATE VIEW') || !catalog.can(db, sid, `ALTER ON SCHEMA::${schema}`)) {
          return refuse(SQL_ERRORS.permissionDenied('CREATE VIEW', db.name));
        }
        if (db.views.has(s.name) && !s.orAlter) return refuse(SQL_ERRORS.objectExists(s.name));
        db.views.set(s.name, { name: s.name, view: s.view });
        return ok;
      }
      case 'select':
        return this.select(s.sql, { db, sid, catalog });
    }
  }
}
