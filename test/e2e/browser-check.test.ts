import { expect, test } from 'vitest'
import { launchBrowser } from '../helpers/browser'

test('a missing Chromium fails the browser tests with a message that says how to install it', async () => {
  await expect(launchBrowser('/nonexistent/chromium')).rejects.toThrow(
    'Chromium was not found at /nonexistent/chromium. Install it with "sudo apt-get install chromium"',
  )
})
