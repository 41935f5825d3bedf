import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const con = await db.connect();
const r = await con.runAndReadAll(process.argv[2]); console.log(r.columnNames().join('\t')); for (const row of r.getRows()) console.log(row.map(String).join('\t'));
