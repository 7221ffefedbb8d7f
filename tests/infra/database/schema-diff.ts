import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import prismaInternals from '@prisma/internals';

type DMMFDocument = Awaited<ReturnType<typeof prismaInternals.getDMMF>>;
type DMMFModel = DMMFDocument['datamodel']['models'][number];
type DMMFField = DMMFModel['fields'][number];

/** How Prisma's SQLite connector declares each scalar type. */
const SQLITE_TYPES: Record<string, string> = {
  String: 'TEXT',
  Int: 'INTEGER',
  BigInt: 'BIGINT',
  Float: 'REAL',
  Decimal: 'DECIMAL',
  Boolean: 'BOOLEAN',
  DateTime: 'DATETIME',
  Bytes: 'BLOB',
  Json: 'JSONB',
};

interface ColumnShape {
  type: string;
  notNull: boolean;
  default: string | null;
  primaryKeyPosition: number;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  indexes: Record<string, { unique: boolean; columns: string[] }>;
  foreignKeys: string[];
  autoincrement: boolean;
}

export async function loadDatamodel(schemaPath: string) {
  return prismaInternals.getDMMF({ datamodel: readFileSync(schemaPath, 'utf8') });
}

/** What `schema.prisma` says the SQLite database must contain, table by table. */
export function expectedShape(dmmf: DMMFDocument): Record<string, TableShape> {
  const models = dmmf.datamodel.models;
  const tableOf = (model: DMMFModel) => model.dbName ?? model.name;
  const columnOf = (model: DMMFModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${model.name}.${fieldName} is not a field`);
    return field.dbName ?? field.name;
  };
  const tables: Record<string, TableShape> = {};
  for (const model of models) {
    const primaryKey = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    const columns: Record<string, ColumnShape> = {};
    for (const field of model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum')) {
      columns[field.dbName ?? field.name] = {
        type: field.kind === 'enum' ? 'TEXT' : (SQLITE_TYPES[field.type] ?? `unknown(${field.type})`),
        notNull: field.isRequired,
        default: expectedDefault(field),
        primaryKeyPosition: primaryKey.indexOf(field.name) + 1,
      };
    }
    const indexes: TableShape['indexes'] = {};
    for (const index of dmmf.datamodel.indexes.filter((i) => i.model === model.name && i.type !== 'id')) {
      const cols = index.fields.map((f) => columnOf(model, f.name));
      const suffix = index.type === 'normal' ? 'idx' : 'key';
      indexes[index.dbName ?? `${tableOf(model)}_${cols.join('_')}_${suffix}`] = { unique: index.type === 'unique', columns: cols };
    }
    const foreignKeys = model.fields
      .filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)
      .map((f) => {
        const target = models.find((m) => m.name === f.type)!;
        const from = f.relationFromFields!.map((name) => columnOf(model, name));
        const to = f.relationToFields!.map((name) => columnOf(target, name));
        const onDelete = f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull');
        return describeForeignKey(from, tableOf(target), to, referentialAction(onDelete), 'CASCADE');
      })
      .sort();
    const autoincrement = model.fields.some((f) => isDefaultFunction(f, 'autoincrement'));
    tables[tableOf(model)] = { columns, indexes, foreignKeys, autoincrement };
  }
  return tables;
}

/** What a migrated SQLite database actually contains, in the same shape. */
export function actualShape(db: Database.Database): Record<string, TableShape> {
  const tableRows = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'table'
       AND name NOT IN ('_prisma_migrations', 'sqlite_sequence') AND name NOT LIKE 'sqlite_%'`,
    )
    .all() as { name: string; sql: string }[];
  const tables: Record<string, TableShape> = {};
  for (const { name, sql } of tableRows) {
    const columns: Record<string, ColumnShape> = {};
    const info = db.prepare(`PRAGMA table_info("${name}")`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    for (const column of info) {
      columns[column.name] = {
        type: column.type.toUpperCase(),
        notNull: column.notnull === 1 || column.pk > 0,
        default: column.dflt_value,
        primaryKeyPosition: column.pk,
      };
    }
    const indexes: TableShape['indexes'] = {};
    const indexList = db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number; origin: string }[];
    for (const index of indexList.filter((i) => i.origin !== 'pk')) {
      const cols = (db.prepare(`PRAGMA index_info("${index.name}")`).all() as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      indexes[index.name] = { unique: index.unique === 1, columns: cols };
    }
    const fkRows = db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_update: string;
      on_delete: string;
    }[];
    const byId = new Map<number, typeof fkRows>();
    for (const row of fkRows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
    const foreignKeys = [...byId.values()]
      .map((rows) => {
        rows.sort((a, b) => a.seq - b.seq);
        return describeForeignKey(
          rows.map((r) => r.from),
          rows[0]!.table,
          rows.map((r) => r.to),
          rows[0]!.on_delete,
          rows[0]!.on_update,
        );
      })
      .sort();
    tables[name] = { columns, indexes, foreignKeys, autoincrement: /AUTOINCREMENT/i.test(sql) };
  }
  return tables;
}

/** Every difference between the two shapes, one readable line each; empty when they agree. */
export function diffShapes(expected: Record<string, TableShape>, actual: Record<string, TableShape>): string[] {
  const problems: string[] = [];
  for (const table of Object.keys(expected)) {
    if (!actual[table]) problems.push(`table ${table}: declared in schema.prisma, missing from the database`);
  }
  for (const table of Object.keys(actual)) {
    if (!expected[table]) problems.push(`table ${table}: in the database, not declared in schema.prisma`);
  }
  for (const [table, want] of Object.entries(expected)) {
    const have = actual[table];
    if (!have) continue;
    diffRecords(`${table} column`, want.columns, have.columns, problems);
    diffRecords(`${table} index`, want.indexes, have.indexes, problems);
    const wantFks = JSON.stringify(want.foreignKeys);
    const haveFks = JSON.stringify(have.foreignKeys);
    if (wantFks !== haveFks) problems.push(`${table} foreign keys: schema ${wantFks}, database ${haveFks}`);
    if (want.autoincrement !== have.autoincrement) {
      problems.push(`${table}: AUTOINCREMENT ${want.autoincrement ? 'expected' : 'unexpected'}`);
    }
  }
  return problems;
}

function diffRecords<T>(label: string, want: Record<string, T>, have: Record<string, T>, problems: string[]) {
  for (const [name, shape] of Object.entries(want)) {
    const actual = have[name];
    if (!actual) problems.push(`${label} ${name}: missing from the database (schema: ${JSON.stringify(shape)})`);
    else if (JSON.stringify(actual) !== JSON.stringify(shape)) {
      problems.push(`${label} ${name}: schema ${JSON.stringify(shape)}, database ${JSON.stringify(actual)}`);
    }
  }
  for (const name of Object.keys(have)) {
    if (!want[name]) problems.push(`${label} ${name}: in the database, not declared in schema.prisma`);
  }
}

function describeForeignKey(from: string[], table: string, to: string[], onDelete: string, onUpdate: string) {
  return `(${from.join(', ')}) -> ${table}(${to.join(', ')}) ON DELETE ${onDelete} ON UPDATE ${onUpdate}`;
}

function referentialAction(action: string): string {
  return { Cascade: 'CASCADE', Restrict: 'RESTRICT', SetNull: 'SET NULL', NoAction: 'NO ACTION', SetDefault: 'SET DEFAULT' }[action] ?? action;
}

function isDefaultFunction(field: DMMFField, name: string): boolean {
  const value = field.default as { name?: string } | undefined;
  return typeof value === 'object' && value !== null && value.name === name;
}

function expectedDefault(field: DMMFField): string | null {
  const value = field.default as unknown;
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') {
    // now() is CURRENT_TIMESTAMP in the database; uuid(), cuid() and autoincrement() have no column default.
    return (value as { name: string }).name === 'now' ? 'CURRENT_TIMESTAMP' : null;
  }
  if (typeof value === 'string') return field.kind === 'enum' ? `'${value}'` : `'${value.replace(/'/g, "''")}'`;
  return String(value);
}
