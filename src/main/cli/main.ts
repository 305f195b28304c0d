import { serve } from '../server.js';
import { USAGE, parseCommand } from './args.js';
import { CliError, UsageError } from './errors.js';
import { evaluateFile, loadEvaluator } from './evaluate.js';
import { runForecast } from './forecast/forecast.js';
import { renderEvaluation, useColor } from './render.js';

/**
 * `b12-cds`: evaluate a hook request or patient Bundle from the command line, forecast how often
 * the cards would fire on a population, or start the service. `bin/b12-cds.js` runs {@link main} from the built release (dist/).
 */

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Paragraphs are wrapped on a terminal, to its width up to this. */
const MAX_WIDTH = 100;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const command = parseCommand(argv);
  switch (command.name) {
    case 'help':
      io.stdout.write(USAGE);
      return 0;
    case 'serve':
      // Reads its configuration, listens, and exits on SIGTERM/SIGINT.
      await serve(io.env);
      return 0;
    case 'evaluate': {
      const evaluation = await evaluateFile(command.file, command, loadEvaluator(io.env));
      io.stdout.write(
        command.json
          ? `${JSON.stringify(evaluation.response, null, 2)}\n`
          : renderEvaluation(evaluation, {
              color: useColor(io.stdout, io.env),
              width:
                io.stdout.isTTY === true ? Math.min(io.stdout.columns ?? 80, MAX_WIDTH) : undefined,
            }),
      );
      return 0;
    }
    case 'forecast':
      await runForecast(command, io);
      return 0;
  }
}

/** Runs the command line `argv` (without `node b12-cds`) and gives the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`b12-cds: ${error.message}\n\n${USAGE}`);
    } else if (error instanceof CliError) {
      io.stderr.write(`b12-cds: ${error.message}\n`);
    } else {
      // A bug, not a bad input: the stack is what a report needs.
      io.stderr.write(`b12-cds: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      return 1;
    }
    return error.exitCode;
  }
}
