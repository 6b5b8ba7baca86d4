// The shared components: deposit-insurance block, product card, secure PIN keypad.
const { render, text, settle } = require('./helpers.js')

describe('insurance-block', () => {
  test('full statement by default; one line on a product card', () => {
    const full = render('components/insurance-block/index', { statement: '本行吸收的本外币存款依照《存款保险条例》受到保护。存款保险实行限额偿付' })
    expect(text(full)).toContain('存款保险')
    expect(text(full)).toContain('DEPOSIT INSURANCE')
    expect(text(full)).toContain('限额偿付')
    expect(full.querySelector('.compact')).toBeUndefined()
    const compact = render('components/insurance-block/index', { compact: true, statement: '本产品为存款' })
    expect(compact.querySelector('.compact')).toBeDefined()
  })
})

describe('product-card', () => {
  test('rate, term, minimum and the one-line insurance statement', async () => {
    const card = render('components/product-card/index', { product: {
      code: 'TD1Y', name: '1年期整存整取', kind: 'time_deposit', rate: '1.2', term_months: 12,
      min_amount: '50.00', quota_left: '1000000.00', insured_statement: 'LONG STATEMENT',
    } })
    await settle()
    const shown = text(card)
    expect(shown).toContain('1年期整存整取')
    expect(shown).toContain('1.20%')
    expect(shown).toContain('1年')
    expect(shown).toContain('¥50.00')
    expect(shown).toContain('本产品为存款，依照《存款保险条例》受到保护。')
    expect(shown).not.toContain('LONG STATEMENT')
    const opened = jest.fn()
    card.addEventListener('open', (e) => opened(e.detail))
    card.querySelector('.product-card').dispatchEvent('tap')
    await settle()
    expect(opened).toHaveBeenCalledWith({ code: 'TD1Y' })
  })
})

describe('pin-keypad', () => {
  test('ten shuffled digits once each; six taps hand over the PIN', async () => {
    const pad = render('components/pin-keypad/index', { show: true, title: '确认充值', amount: '1,000.00' })
    await settle()
    const keys = pad.querySelectorAll('.pin-key')
    const digits = keys.map((k) => k.dom.textContent.trim())
    expect([...digits].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    const done = jest.fn()
    pad.addEventListener('complete', (e) => done(e.detail))
    const tapDigit = (d) => keys[digits.indexOf(d)].dispatchEvent('tap')
    for (const d of '13579') tapDigit(d)
    await settle()
    expect(pad.querySelectorAll('.dot.filled').length).toBe(5)
    expect(JSON.stringify(pad.data)).not.toContain('13579') // never in the view's data
    pad.querySelectorAll('.fn')[1].dispatchEvent('tap') // delete
    tapDigit('7')
    tapDigit('0')
    await settle()
    expect(done).toHaveBeenCalledWith({ pin: '135770' })
    expect(pad.querySelectorAll('.dot.filled').length).toBe(0)
  })

  test('a new reset key reshuffles and clears', async () => {
    const pad = render('components/pin-keypad/index', { show: true })
    await settle()
    const before = pad.querySelectorAll('.pin-key').map((k) => k.dom.textContent.trim()).join('')
    let changed = false
    for (let i = 1; i < 6 && !changed; i += 1) {
      pad.setData({ resetKey: i })
      await settle()
      changed = pad.querySelectorAll('.pin-key').map((k) => k.dom.textContent.trim()).join('') !== before
    }
    expect(changed).toBe(true)
  })
})
