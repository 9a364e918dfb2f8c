import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { takeHealthSample } from '../src/health/samples'

/** Every minute: a sample of the health figures for the charts; samples older than a week go. */
export default function sample_health({ db }: Deps): Task {
  return async () => {
    await takeHealthSample(db)
  }
}
