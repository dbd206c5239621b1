import { describe, expect, it } from 'vitest';
import {
  FIXED_KEYS,
  SETTINGS,
  SETTING_GROUPS,
  camelKey,
  coerceSettingInput,
  conditionCodes,
  defaultSettings,
  findSetting,
  isLoopbackAddress,
  scheduleProblem,
  validateSettings,
} from '../../core/contracts/settings.schema.js';

describe('settings declared once', () => {
  it('has unique keys and labels', () => {
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.label.toLowerCase())).size).toBe(SETTINGS.length);
  });

  it('derives every key from its label, except the fixed keys', () => {
    const fixed = new Set<string>(FIXED_KEYS);
    for (const s of SETTINGS) if (!fixed.has(s.key)) expect(s.key, s.label).toBe(camelKey(s.label));
    expect(camelKey("Show 'Send Custom Programs' Button")).toBe('showSendCustomProgramsButton');
    expect(camelKey('Enable ERP Listener 9801')).toBe('enableErpListener9801');
  });

  it('declares every fixed key', () => {
    for (const k of FIXED_KEYS) expect(findSetting(k), k).toBeDefined();
  });

  it('has every label of the Advanced tab in its group', () => {
    const expectGroup = (label: string, group: string) => expect(findSetting(label)?.group, label).toBe(group);
    expectGroup('Enable serial number import from file', 'Serial Number Import');
    expectGroup('File Prefix', 'Serial Number Import');
    for (const label of ['Alternate Product Category Field', 'Alternate Sort Code', 'Invalid Condition Codes (default: DIYNT)', 'Default Country', 'System Table Types to Send',
      'Order Shipped Statuses', 'Reviewed Quote Field', 'Order Delivery Email Address Set Field', 'Order Integration Multiline Query',
      'Live Call Compression Threshold (bytes)', 'Check Invoice Reprints', 'Check Statement Reprints', 'Preserve Product Data', 'Single Stock Price Query',
      'Include Bill of Materials Notes', "Show 'Send Custom Programs' Button", 'Integrate Pronto Custom Periods Always', 'Do not Integrate Blank Custom Notes',
      'Integrate Order Comments As Note Lines', 'Send Reviewed Quotes', 'Enable Customer Product Mappings', 'Integrate warranty claims',
      'Integrate Supplier Invitations', 'Integrate Bonus Stock', 'Integrate Changed Backorders', 'Log Integrator Events On Web',
      'Custom Program Before Order Confirm', 'Custom Program Before Send', 'Always Send Bill of Materials', 'Bulk Integrate Custom Notes',
      'Once-off Web Quote Upload', 'Archive Orders From Override Date', 'Online Receipting Fields', 'Address Validation Field', 'Send Customer Conversions',
      'Send Stock Pricing Iteratively', 'Use Archive Orders From Override Date', 'Use Pronto Trans Pay By Date', 'Integrate CSSBank SiteID with Receipts',
      'Disable Send of Picture Notes', 'Include Suffix When Loading Receipts']) expectGroup(label, 'Other Settings');
    expect(findSetting('getNewOrdersTimeoutMinutes')?.group).toBe('Other Settings');
    for (const label of ['Enable', 'Escape Character', 'Mappings']) expectGroup(label, 'File Upload Filename Character Mapping Settings');
    for (const label of ['Enable Live Pricing/Availability Listener', 'Enable verbose logging', 'Enable ERP Listener 9801', 'HTTP Port', 'ERP Polling Interval'])
      expectGroup(label, 'Live Pricing/Availability');
    expect(new Set(SETTINGS.map((s) => s.group))).toEqual(new Set(SETTING_GROUPS));
  });

  it("words the Advanced tab as the seed does, and still finds a setting by the label it had before", () => {
    expect(findSetting('invalidConditionCodes')).toMatchObject({ label: 'Invalid Condition Codes (default: DIYNT)', default: 'DIYNT' });
    expect(findSetting('getNewOrdersTimeoutMinutes')).toMatchObject({ label: 'Get New Orders Timeout', unit: 'minutes (0 = no timeout)' });
    expect(findSetting('erpPollingIntervalMins')).toMatchObject({ label: 'ERP Polling Interval', unit: 'mins' });
    expect(findSetting('Invalid Condition Codes')?.key).toBe('invalidConditionCodes');
    expect(findSetting('Get New Orders Timeout (minutes)')?.key).toBe('getNewOrdersTimeoutMinutes');
    expect(findSetting('ERP Polling Interval (mins)')?.key).toBe('erpPollingIntervalMins');
  });

  it('ticks by default exactly what the seed shows ticked (Send Customer Conversions is what the guide asks to tick)', () => {
    const d = defaultSettings();
    const ticked = SETTINGS.filter((s) => s.type === 'boolean' && s.group !== 'General' && d[s.key] === true).map((s) => s.label).sort();
    expect(ticked).toEqual(
      ['Custom Program Before Order Confirm', 'Custom Program Before Send', 'Enable Customer Product Mappings', 'Enable Live Pricing/Availability Listener',
        'Log Integrator Events On Web', 'Preserve Product Data'].sort(),
    );
    expect(d.invalidConditionCodes).toBe('DIYNT');
    expect(d.httpPort).toBe(8085);
    expect(d.erpListenerPort).toBe(9801);
    expect(d.listenerBindAddress).toBe('127.0.0.1');
    expect(d.autoActivateAllCustomers).toBe(false);
  });

  it('marks the settings with an effect as used and the rest as not used by this edition', () => {
    const used = (l: string) => findSetting(l)?.used;
    for (const l of ['Send Customer Conversions', 'Log Integrator Events On Web', 'Get New Orders Timeout', 'Archive Orders From Override Date',
      'Use Archive Orders From Override Date', 'Order Shipped Statuses', 'Default Country', 'Invalid Condition Codes (default: DIYNT)', 'Use Pronto Trans Pay By Date',
      'Check Statement Reprints', 'HTTP Port', 'Enable verbose logging']) expect(used(l), l).toBe(true);
    for (const l of ['Preserve Product Data', 'Integrate Bonus Stock', 'File Prefix', 'Mappings']) expect(used(l), l).toBe(false);
  });

  it('finds a setting by exact label, case-insensitively', () => {
    expect(findSetting('Send Customer Conversions')?.key).toBe('sendCustomerConversions');
    expect(findSetting('send customer conversions')?.key).toBe('sendCustomerConversions');
    expect(findSetting('Send Customer')).toBeUndefined();
  });
});

describe('validation', () => {
  it('accepts the defaults', () => {
    expect(validateSettings(defaultSettings())).toEqual([]);
  });

  it('names the field of a bad value', () => {
    const errors = validateSettings({ httpPort: 'abc', nightlyRestartTime: '25:00', archiveOrdersFromOverrideDate: '2026-02-31x', unknownThing: 1 });
    expect(errors.map((e) => e.key).sort()).toEqual(['archiveOrdersFromOverrideDate', 'httpPort', 'nightlyRestartTime', 'unknownThing']);
    expect(errors.find((e) => e.key === 'httpPort')?.label).toBe('HTTP Port');
  });

  it('range-checks numbers', () => {
    expect(validateSettings({ httpPort: 70000 })[0].message).toMatch(/port/);
    expect(validateSettings({ erpPollingIntervalMins: 0 })[0].message).toMatch(/at least 1/);
    expect(validateSettings({ getNewOrdersTimeoutMinutes: 1.5 })[0].message).toMatch(/whole/);
  });

  it('coerces typed text to the setting type', () => {
    expect(coerceSettingInput(findSetting('httpPort')!, '8085')).toBe(8085);
    expect(coerceSettingInput(findSetting('httpPort')!, 'abc')).toBe('abc');
    expect(coerceSettingInput(findSetting('sendCustomerConversions')!, 'yes')).toBe(true);
    expect(coerceSettingInput(findSetting('customerFieldMappings')!, '{"Phone":"fax"}')).toEqual({ Phone: 'fax' });
  });

  it('checks schedules', () => {
    expect(scheduleProblem('off')).toBeNull();
    expect(scheduleProblem('every 15m')).toBeNull();
    expect(scheduleProblem('*/5 * * * 1-5')).toBeNull();
    expect(scheduleProblem('every 0m')).toMatch(/greater/);
    expect(scheduleProblem('sometimes')).toMatch(/cron/);
    expect(scheduleProblem('61 * * * *')).toMatch(/minute: 61/);
  });

  it('refuses a schedule that can never run, as the scheduler reads it', () => {
    // A zero step never advances: the validator must refuse what the scheduler cannot run.
    expect(scheduleProblem('*/0 * * * *')).toMatch(/stepping: 0/);
    expect(validateSettings({ customerMasterSchedule: '*/0 * * * *' })).toEqual([
      { key: 'customerMasterSchedule', label: 'Customer Master Schedule', message: expect.stringMatching(/not a valid cron expression/) },
    ]);
    // Every field valid, but no date matches (30 February).
    expect(scheduleProblem('0 0 30 2 *')).toMatch(/never runs/);
    expect(scheduleProblem('0 0 29 2 *')).toBeNull();
    // Seconds and years are not part of a five-field schedule.
    expect(scheduleProblem('0 */5 * * * *')).toMatch(/five-field/);
  });

  it('takes an IP address (v4 or v6) or localhost as the listener bind address, nothing else', () => {
    for (const ok of ['127.0.0.1', '0.0.0.0', '192.168.10.4', '::1', '::', 'fe80::1', '2001:db8::7', 'localhost']) expect(validateSettings({ listenerBindAddress: ok }), ok).toEqual([]);
    for (const bad of ['not an address; rm -rf /', 'example.com', '256.1.1.1', '127.0.0.1 ', '', '127.0.0.1:8085', '[::1]']) {
      const errors = validateSettings({ listenerBindAddress: bad });
      expect(errors.map((e) => e.key), bad).toEqual(['listenerBindAddress']);
      expect(errors[0].message, bad).toMatch(/IP address/);
    }
    expect(['127.0.0.1', '127.9.9.9', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1'].some(isLoopbackAddress)).toBe(false);
  });

  it('reads condition codes as letters or a list', () => {
    expect(conditionCodes('DIYNT')).toEqual(['D', 'I', 'Y', 'N', 'T']);
    expect(conditionCodes('OB, XX')).toEqual(['OB', 'XX']);
    expect(conditionCodes('')).toEqual([]);
  });
});
