// The account-opening wizard's pure logic: which page an application is on, the progress bar,
// and the checks the customer's input gets before it is sent.
import { describe, expect, it } from 'vitest'
import {
  PAGES,
  PROGRESS,
  acceptedBody,
  addressProblem,
  agreementsAt,
  allAccepted,
  base64ToFile,
  birthDateOf,
  cardNumberProblem,
  formFromOcr,
  formatCardNumber,
  hasProblems,
  idCheckChar,
  idNumberProblem,
  identityBody,
  identityProblems,
  isOutOfStepError,
  isRestartError,
  luhnValid,
  nameProblem,
  normalizeIdNumber,
  normalizeName,
  pageForApplication,
  parseDate,
  phoneProblem,
  photoOfError,
  pinProblem,
  progressOf,
  resultKind,
  smsCodeProblem,
  validityProblems,
} from '../m/src/onboarding.js'

const TODAY = parseDate('2026-06-01')
const ZHANG = '440305198806151315' // the sandbox identity gd-shenzhen

describe('pageForApplication (the step machine)', () => {
  it('starts when there is no application, or it expired', () => {
    expect(pageForApplication(null)).toBe('start')
    expect(pageForApplication({ status: 'expired' })).toBe('start')
    expect(pageForApplication({ status: 'something_new' })).toBe('start')
  })

  it('follows the server status through the steps', () => {
    const at = (status, o) => pageForApplication({ id: 1, status }, o)
    expect(at('application')).toBe('idcard')
    expect(at('id_card', { hasOcr: true })).toBe('identity')
    expect(at('identity', { consented: true })).toBe('face')
    expect(at('face')).toBe('card')
    expect(at('card')).toBe('card') // SMS sent: enter the code (or send again)
    expect(at('card_confirmed')).toBe('agreements')
    for (const s of ['submitted', 'review', 'opened', 'rejected']) expect(at(s)).toBe('result')
  })

  it('asks for the card photos again when the recognised fields are not in memory', () => {
    expect(pageForApplication({ status: 'id_card' })).toBe('idcard')
  })

  it('puts the separate face consent before the face step of every visit', () => {
    expect(pageForApplication({ status: 'identity' })).toBe('consent')
    expect(pageForApplication({ status: 'identity' }, { consented: false })).toBe('consent')
  })

  it('visits the pages in order for an application that goes straight through', () => {
    const statuses = ['application', 'id_card', 'identity', 'identity', 'face', 'card', 'card_confirmed']
    const seen = statuses.map((status, i) =>
      pageForApplication({ status }, { hasOcr: true, consented: i === 3 }),
    )
    expect(seen).toEqual(['idcard', 'identity', 'consent', 'face', 'card', 'card', 'agreements'])
    for (const p of seen) expect(PAGES).toContain(p)
  })
})

describe('progress', () => {
  it('has six stops; consent and face share one', () => {
    expect(PROGRESS).toHaveLength(6)
    expect(progressOf('idcard')).toEqual({ index: 0, total: 6 })
    expect(progressOf('consent').index).toBe(progressOf('face').index)
    expect(progressOf('pin').index).toBe(5)
  })

  it('is hidden outside the steps', () => {
    for (const p of ['start', 'result', 'loading', 'has-account']) expect(progressOf(p).index).toBe(-1)
  })

  it('never goes backwards along the pages', () => {
    const order = PAGES.map((p) => progressOf(p).index).filter((i) => i >= 0)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })
})

describe('resultKind', () => {
  it('maps the decision', () => {
    expect(resultKind('opened')).toBe('opened')
    expect(resultKind('review')).toBe('review')
    expect(resultKind('rejected')).toBe('rejected')
    expect(resultKind('submitted')).toBe('processing')
  })
})

describe('ID number', () => {
  it('computes the GB 11643 check character', () => {
    expect(idCheckChar(ZHANG.slice(0, 17))).toBe('5')
    expect(idCheckChar('11010519491231002')).toBe('X')
  })

  it('accepts valid numbers, full-width and lower-case x forgiven', () => {
    expect(idNumberProblem(ZHANG, TODAY)).toBe('')
    expect(idNumberProblem('11010519491231002x', TODAY)).toBe('')
    expect(normalizeIdNumber(' ４４０３０５１９８８０６１５１３１５ ')).toBe(ZHANG)
    expect(normalizeIdNumber('11010519491231002×')).toBe('11010519491231002X')
  })

  it('names the problem', () => {
    expect(idNumberProblem('', TODAY)).toBe('FORMAT')
    expect(idNumberProblem('44030519880615131', TODAY)).toBe('FORMAT')
    expect(idNumberProblem('810000199001011234', TODAY)).toBe('NOT_MAINLAND')
    expect(idNumberProblem('440305198802301231', TODAY)).toBe('BIRTH') // 30 February
    expect(idNumberProblem('440305203001011231', TODAY)).toBe('BIRTH') // in the future
    expect(idNumberProblem('440305198806151316', TODAY)).toBe('CHECKSUM')
  })

  it('gives the birth date', () => {
    expect(birthDateOf(ZHANG)).toBe('1988-06-15')
    expect(birthDateOf('nonsense')).toBe('')
  })
})

describe('names and addresses', () => {
  it('accepts Chinese names, with a middle dot inside', () => {
    expect(nameProblem('张伟')).toBe('')
    expect(nameProblem('买买提·艾力')).toBe('')
    expect(normalizeName(' 买买提•艾力 ')).toBe('买买提·艾力') // look-alike dot
    expect(nameProblem('买买提•艾力')).toBe('')
  })

  it('refuses what is not a name on an ID card', () => {
    expect(nameProblem('')).toBe('INVALID')
    expect(nameProblem('张')).toBe('INVALID')
    expect(nameProblem('Zhang Wei')).toBe('INVALID')
    expect(nameProblem('·艾力')).toBe('INVALID')
    expect(nameProblem('张伟1')).toBe('INVALID')
  })

  it('checks the address length', () => {
    expect(addressProblem('')).toBe('SHORT')
    expect(addressProblem('广东省深圳市南山区科技园南路18号')).toBe('')
    expect(addressProblem('路'.repeat(121))).toBe('LONG')
  })
})

describe('validity period', () => {
  it('parses real dates only', () => {
    expect(parseDate('2026-02-28')).not.toBeNull()
    expect(parseDate('20260228')).not.toBeNull()
    expect(parseDate('2026-02-29')).toBeNull()
    expect(parseDate('2026/02/28')).toBeNull()
  })

  it('accepts a card in force for more than 30 days, or long-term', () => {
    expect(validityProblems({ validFrom: '2016-08-01', validTo: '2036-08-01' }, TODAY)).toEqual({ valid_from: '', valid_to: '' })
    expect(validityProblems({ validFrom: '2012-05-20', validTo: '', longTerm: true }, TODAY)).toEqual({ valid_from: '', valid_to: '' })
  })

  it('names the problem per field', () => {
    expect(validityProblems({ validFrom: 'x', validTo: '2036-08-01' }, TODAY).valid_from).toBe('DATE')
    expect(validityProblems({ validFrom: '2027-01-01', validTo: '2047-01-01' }, TODAY).valid_from).toBe('FUTURE')
    expect(validityProblems({ validFrom: '2016-08-01', validTo: '' }, TODAY).valid_to).toBe('DATE')
    expect(validityProblems({ validFrom: '2016-08-01', validTo: '2016-07-01' }, TODAY).valid_to).toBe('ORDER')
    expect(validityProblems({ validFrom: '2006-05-01', validTo: '2026-05-01' }, TODAY).valid_to).toBe('EXPIRED')
    expect(validityProblems({ validFrom: '2006-06-20', validTo: '2026-06-20' }, TODAY).valid_to).toBe('EXPIRING')
    expect(validityProblems({ validFrom: '2006-07-02', validTo: '2026-07-02' }, TODAY).valid_to).toBe('')
  })
})

describe('the identity form', () => {
  const ocr = {
    name: '张伟', id_number: ZHANG, valid_from: '2016-08-01', valid_to: '2036-08-01', long_term: false,
    address: '广东省深圳市南山区科技园南路18号3栋502房',
  }

  it('is filled from the OCR answer', () => {
    expect(formFromOcr(ocr)).toEqual({
      name: '张伟', idNumber: ZHANG, validFrom: '2016-08-01', validTo: '2036-08-01', longTerm: false,
      address: ocr.address,
    })
    expect(formFromOcr({ ...ocr, valid_to: null, long_term: true })).toMatchObject({ longTerm: true, validTo: '' })
  })

  it('has no problems when the OCR read a valid card', () => {
    expect(hasProblems(identityProblems(formFromOcr(ocr), TODAY))).toBe(false)
  })

  it('reports every field that is wrong', () => {
    const problems = identityProblems({ name: 'x', idNumber: '1', validFrom: '', validTo: '', longTerm: false, address: '' }, TODAY)
    expect(problems).toEqual({ name: 'INVALID', id_number: 'FORMAT', valid_from: 'DATE', valid_to: 'DATE', address: 'SHORT' })
    expect(hasProblems(problems)).toBe(true)
  })

  it('becomes the API body, 长期 for a long-term card', () => {
    expect(identityBody({ ...formFromOcr(ocr), idNumber: '440305198806151315 ' })).toEqual({
      name: '张伟', id_number: ZHANG, id_valid_from: '2016-08-01', id_valid_to: '2036-08-01', address: ocr.address,
    })
    expect(identityBody({ ...formFromOcr(ocr), longTerm: true }).id_valid_to).toBe('长期')
  })
})

describe('card, phone and SMS code', () => {
  it('checks the card number with Luhn', () => {
    expect(luhnValid('6228480000001390004')).toBe(true)
    expect(luhnValid('6228480000001390005')).toBe(false)
    expect(cardNumberProblem('6228 4800 0000 1390 004')).toBe('')
    expect(cardNumberProblem('622848000000139')).toBe('LENGTH')
    expect(cardNumberProblem('6228480000001390005')).toBe('CHECKSUM')
  })

  it('groups the digits for reading, dropping anything else', () => {
    expect(formatCardNumber('6228480000001390004')).toBe('6228 4800 0000 1390 004')
    expect(formatCardNumber('6228-4800 00０0')).toBe('6228 4800 0000')
    expect(formatCardNumber('1'.repeat(25)).replace(/ /g, '')).toHaveLength(19)
  })

  it('checks the mobile and the code', () => {
    expect(phoneProblem('13900139000')).toBe('')
    expect(phoneProblem('12900139000')).toBe('INVALID')
    expect(smsCodeProblem('123456')).toBe('')
    expect(smsCodeProblem('12345')).toBe('INVALID')
  })
})

describe('pinProblem (the server rule, checked first on the phone)', () => {
  it('accepts an ordinary PIN', () => {
    expect(pinProblem('135790', '1988-06-15')).toBe('')
  })

  it('names why a PIN is refused', () => {
    expect(pinProblem('12345')).toBe('FORMAT')
    expect(pinProblem('12345a')).toBe('FORMAT')
    expect(pinProblem('777777')).toBe('SAME')
    expect(pinProblem('123456')).toBe('SEQUENCE')
    expect(pinProblem('456789')).toBe('SEQUENCE')
    expect(pinProblem('987654')).toBe('SEQUENCE')
    expect(pinProblem('880615', '1988-06-15')).toBe('BIRTHDAY') // YYMMDD
    expect(pinProblem('061588', '1988-06-15')).toBe('BIRTHDAY') // MMDDYY
    expect(pinProblem('880615')).toBe('') // no birth date known
  })
})

describe('agreements', () => {
  const items = [
    { id: 'face_data_consent', version: '2025.1', at_step: 'face' },
    { id: 'account_terms', version: '2025.1', at_step: 'submit' },
    { id: 'privacy_policy', version: '2025.2', at_step: 'submit' },
  ]

  it('separates the face consent from those accepted on submit', () => {
    expect(agreementsAt(items, 'face').map((a) => a.id)).toEqual(['face_data_consent'])
    expect(agreementsAt(items, 'submit').map((a) => a.id)).toEqual(['account_terms', 'privacy_policy'])
    expect(agreementsAt(null, 'submit')).toEqual([])
  })

  it('sends each accepted id with the version shown, never the face consent', () => {
    const accepted = { account_terms: true, privacy_policy: true, face_data_consent: true }
    expect(acceptedBody(items, accepted)).toEqual([
      { id: 'account_terms', version: '2025.1' },
      { id: 'privacy_policy', version: '2025.2' },
    ])
    expect(allAccepted(items, accepted)).toBe(true)
    expect(allAccepted(items, { account_terms: true })).toBe(false)
    expect(allAccepted([], {})).toBe(false) // nothing loaded yet
  })
})

describe('errors', () => {
  it('says which photo an upload error is about', () => {
    expect(photoOfError({ details: { side: 'back', sharpness: 12 } })).toBe('back')
    expect(photoOfError({ details: { field: 'frames[2]' } })).toBe('frame:2')
    expect(photoOfError({ details: { field: 'selfie' } })).toBe('selfie')
    expect(photoOfError({ details: { image: 'frame', index: 1, action: 'blink' } })).toBe('frame:1')
    expect(photoOfError({ details: { image: 'selfie' } })).toBe('selfie')
    expect(photoOfError({ code: 'X' })).toBe('')
  })

  it('knows when the application is gone or moved on', () => {
    expect(isRestartError({ code: 'ONBOARDING_EXPIRED' })).toBe(true)
    expect(isRestartError({ code: 'ONBOARDING_ATTEMPTS_EXCEEDED' })).toBe(true)
    expect(isOutOfStepError({ code: 'ONBOARDING_STEP_REPLAYED' })).toBe(true)
    expect(isOutOfStepError({ code: 'ID_CARD_TOO_BLURRY' })).toBe(false)
  })
})

describe('base64ToFile', () => {
  it('turns the sandbox face kit into uploadable files', async () => {
    const file = base64ToFile(btoa('\xff\xd8\xff\xe0hello'), 'selfie.jpg')
    expect(file.name).toBe('selfie.jpg')
    expect(file.type).toBe('image/jpeg')
    const bytes = new Uint8Array(await file.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xff, 0xd8, 0xff])
  })
})
