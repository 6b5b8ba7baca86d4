// The secure PIN keypad's layout: all ten digits once, shuffled with the CSPRNG per opening.
import { randomInt } from '@shared/ids.js'

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/** Fisher–Yates over the ten digits. */
export function shuffledDigits(rand = randomInt) {
  const out = DIGITS.slice()
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rand(i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
