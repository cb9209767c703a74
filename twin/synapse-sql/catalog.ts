import type { ViewDefinition } from './statements.ts';
import type { ServerMessage } from './tokens.ts';

/**
 * The state of one Synapse serverless SQL endpoint: its databases (master and the ones created), the logins in
 * master, each database's users, their grants, external data sources and views. Principals are Entra ones, known by
 * their object id (the token's `oid`, which SQL keeps as the SID of a login created FROM EXTERNAL PROVIDER).
 */
export interface SqlDatabase {
  name: string;
  collation: string;
  /** user name (lower-case) -> principal id */
  users: Map<string, { name: string; sid: string }>;
  /** principal id -> permissions ('CREATE VIEW', 'ALTER ON SCHEMA::dbo', 'SELECT ON OBJECT::dbo.x', ...) */
  grants: Map<string, Set<string>>;
  dataSources: Map<string, { name: string; location: string }>;
  views: Map<string, { name: string; view: ViewDefinition }>;
}

export class SqlCatalog {
  readonly databases = new Map<string, SqlDatabase>();
  /** login name (lower-case) -> principal id */
  readonly logins = new Map<string, { name: string; sid: string }>();

  /** The workspace's Microsoft Entra admin (a group: its members' object ids); admins are dbo everywhere. */
  readonly admins: ReadonlySet<string>;
  /** Entra's directory: a display name -> object id (CREATE LOGIN/USER FROM EXTERNAL PROVIDER looks names up). */
  readonly directory: (displayName: string) => string | undefined;

  constructor(admins: ReadonlySet<string>, directory: (displayName: string) => string | undefined) {
    this.admins = admins;
    this.directory = directory;
    this.create('master', 'SQL_Latin1_General_CP1_CI_AS');
  }

  create(name: string, collation: string): SqlDatabase {
    const db: SqlDatabase = {
      name,
      collation,
      users: new Map(),
      grants: new Map(),
      dataSources: new Map(),
      views: new Map(),
    };
    this.databases.set(name.toLowerCase(), db);
    return db;
  }

  database(name: string): SqlDatabase | undefined {
    return this.databases.get(name.toLowerCase());
  }

  isAdmin(sid: string): boolean {
    return this.admins.has(sid);
  }

  hasLogin(sid: string): boolean {
    return [...this.logins.values()].some((l) => l.sid === sid);
  }

  isUser(db: SqlDatabase, sid: string): boolean {
    return this.isAdmin(sid) || [...db.users.values()].some((u) => u.sid === sid);
  }

  /** Admins hold every permission (they are dbo); others what GRANT gave them in this database. */
  can(db: SqlDatabase, sid: string, permission: string): boolean {
    return this.isAdmin(sid) || (db.grants.get(sid)?.has(permission.toUpperCase()) ?? false);
  }
}

/**
 * SQL Server's messages for what the twin refuses, numbers, severities and texts from "Database engine events and
 * errors" (https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors),
 * 18456 from "MSSQLSERVER_18456" (an Entra token login that fails names '<token-identified principal>'), 33130
 * from "Microsoft Entra server principals", 13807 from Synapse serverless SQL's troubleshooting guide ("Content of
 * directory on path cannot be listed", https://learn.microsoft.com/azure/synapse-analytics/sql/resources-self-help-sql-on-demand).
 */
export const SQL_ERRORS = {
  loginFailed: (): ServerMessage => ({
    number: 18456,
    class: 14,
    message: "Login failed for user '<token-identified principal>'.",
  }),
  cannotOpenDatabase: (db: string): ServerMessage => ({
    number: 4060,
    class: 11,
    message: `Cannot open database "${db}" requested by the login. The login failed.`,
  }),
  permissionDenied: (what: string, db: string): ServerMessage => ({
    number: 262,
    class: 14,
    message: `${what} permission denied in database '${db}'.`,
  }),
  objectPermissionDenied: (
    permission: string,
    object: string,
    db: string,
    schema: string,
  ): ServerMessage => ({
    number: 229,
    class: 14,
    message: `The ${permission} permission was denied on the object '${object}', database '${db}', schema '${schema}'.`,
  }),
  noPermission: (): ServerMessage => ({
    number: 15247,
    class: 16,
    message: 'User does not have permission to perform this action.',
  }),
  databaseExists: (db: string): ServerMessage => ({
    number: 1801,
    class: 16,
    message: `Database '${db}' already exists. Choose a different database name.`,
  }),
  loginExists: (name: string): ServerMessage => ({
    number: 15025,
    class: 16,
    message: `The server principal '${name}' already exists.`,
  }),
  userExists: (name: string): ServerMessage => ({
    number: 15023,
    class: 16,
    message: `User, group, or role '${name}' already exists in the current database.`,
  }),
  noSuchUser: (name: string): ServerMessage => ({
    number: 15151,
    class: 16,
    message: `Cannot find the user '${name}', because it does not exist or you do not have permission.`,
  }),
  noSuchPrincipal: (name: string): ServerMessage => ({
    number: 33130,
    class: 16,
    message: `Principal '${name}' could not be found or this principal type is not supported.`,
  }),
  invalidObject: (name: string): ServerMessage => ({
    number: 208,
    class: 16,
    message: `Invalid object name '${name}'.`,
  }),
  objectExists: (name: string): ServerMessage => ({
    number: 2714,
    class: 16,
    message: `There is already an object named '${name}' in the database.`,
  }),
  cannotList: (path: string): ServerMessage => ({
    number: 13807,
    class: 16,
    message: `Content of directory on path '${path}' cannot be listed.`,
  }),
  notSupported: (text: string): ServerMessage => ({ number: 40517, class: 16, message: text }),
};
