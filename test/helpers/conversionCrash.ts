// Child process for the crash test: processes the conversions of a web database and kills itself (SIGKILL,
// no cleanup of any kind) at the Nth conversion, after its rows have moved and before it is marked Processed.
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { processPendingConversions } from '../../core/events/conversions.js';
import { createLogger } from '../../core/logging/logger.js';

const [file, killAt, batchSize] = process.argv.slice(2);
const db = new SqliteDb(file);
let calls = 0;
await processPendingConversions(db, {
  logger: createLogger(),
  batchSize: Number(batchSize),
  now: () => {
    if (++calls === Number(killAt)) process.kill(process.pid, 'SIGKILL');
    return new Date();
  },
});
process.stdout.write('finished without the crash\n');
