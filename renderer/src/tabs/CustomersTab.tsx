import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import type { BlockedUsersResponseSchema, ConversionsResponseSchema, Customer } from '../../../core/contracts/adminApi.js';
import type { CustomerAction } from '../api.js';
import { customerActions, outcomeTitle, type ActionOffer } from '../customerActions.js';
import { Badge, Dialog, Empty, Loading, Notice, Section } from '../components.js';
import { formatTime, type Tone } from '../format.js';
import { useApp } from '../store.js';

const PAGE = 50;
const ACTIVE_STATUSES = ['Inactive', 'PendingGetOrders', 'Active'];
const CRM_STATUSES = ['NewCRM', 'Released', 'Approved', 'Declined'];

function activeTone(s: string): Tone {
  return s === 'Active' ? 'ok' : s === 'PendingGetOrders' ? 'info' : 'muted';
}
function crmTone(s: string | null): Tone {
  return s === 'Approved' ? 'ok' : s === 'Declined' ? 'bad' : s === 'Released' ? 'warn' : 'info';
}

/** A status drop-down of the customer list: "any" or one of the statuses. */
function StatusFilter(p: { label: string; value: string; options: readonly string[]; onChange(value: string): void }) {
  return (
    <label>
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.target.value)}>
        <option value="">any</option>
        {p.options.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
    </label>
  );
}

function CustomerList() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const [search, setSearch] = useState('');
  const [site, setSite] = useState('');
  const [activeStatus, setActiveStatus] = useState('');
  const [crmStatus, setCrmStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<{ customers: Customer[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // An action waiting for the admin's yes, and the outcome of the last one (shown until OK).
  const [asking, setAsking] = useState<{ customer: Customer; offer: ActionOffer } | null>(null);
  const [outcome, setOutcome] = useState<{ title: string; text: string } | null>(null);
  const [sites, setSites] = useState<string[]>([]);

  const load = useCallback(async () => {
    try {
      const res = await api.customers({ search: search.trim(), site: site.trim(), activeStatus, crmStatus, limit: PAGE, offset });
      setData(res);
      setError(null);
      setSites((cur) => [...new Set([...cur, ...res.customers.map((c) => c.site).filter((s): s is string => !!s)])].sort());
    } catch (err) {
      setError(failure(err));
    }
  }, [api, failure, search, site, activeStatus, crmStatus, offset]);

  useEffect(() => {
    // Typing in the search box waits for a pause before asking the server.
    const t = setTimeout(() => void load(), 250);
    return () => clearTimeout(t);
  }, [load]);

  const act = async (c: Customer, action: CustomerAction) => {
    setBusy(`${c.customerCode}:${action}`);
    setMessage(null);
    try {
      const res = await api.customerAction(c.customerCode, action);
      setOutcome({ title: outcomeTitle(action), text: res.message });
      // The list as the filters now select it: an approved customer leaves the Released filter.
      await load();
    } catch (err) {
      setMessage({ tone: 'bad', text: `${c.customerCode}: ${failure(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const choose = (c: Customer, offer: ActionOffer) => {
    if (offer.confirm) setAsking({ customer: c, offer });
    else void act(c, offer.action);
  };

  const resetPage = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setOffset(0);
  };

  return (
    <Section title="Customers" id="customers">
      <div className="filters" role="search">
        <label>
          Search
          <input type="search" placeholder="Code, name or email" value={search} onChange={(e) => resetPage(setSearch)(e.target.value)} />
        </label>
        <label>
          Site
          <input list="customer-sites" value={site} placeholder="any" onChange={(e) => resetPage(setSite)(e.target.value)} className="narrow" />
          <datalist id="customer-sites">
            {sites.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <StatusFilter label="Active status" value={activeStatus} options={ACTIVE_STATUSES} onChange={resetPage(setActiveStatus)} />
        <StatusFilter label="CRM status" value={crmStatus} options={CRM_STATUSES} onChange={resetPage(setCrmStatus)} />
      </div>
      {message && (
        <Notice tone={message.tone} onClose={() => setMessage(null)}>
          <span data-testid="customer-message">{message.text}</span>
        </Notice>
      )}
      {asking?.offer.confirm && (
        <Dialog
          title={asking.offer.confirm.title}
          confirm={asking.offer.confirm.button}
          danger={asking.offer.danger}
          testId="confirm-dialog"
          onConfirm={() => {
            const { customer, offer } = asking;
            setAsking(null);
            void act(customer, offer.action);
          }}
          onCancel={() => setAsking(null)}
        >
          <p>{asking.offer.confirm.text}</p>
        </Dialog>
      )}
      {outcome && (
        <Dialog title={outcome.title} confirm="OK" testId="outcome-dialog" onConfirm={() => setOutcome(null)}>
          <p data-testid="customer-message">{outcome.text}</p>
        </Dialog>
      )}
      {error && <Notice tone="bad">Could not load customers: {error}</Notice>}
      {!data && !error && <Loading what="customers" />}
      {data && data.customers.length === 0 && (
        <Empty>{search || site || activeStatus || crmStatus ? 'No customer matches these filters.' : 'No customers on the web yet. Run Customer Master from the Status tab.'}</Empty>
      )}
      {data && data.customers.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="customers-table">
              <thead>
                <tr>
                  <th>Code</th>
                  <th>Name</th>
                  <th>Site</th>
                  <th>Active status</th>
                  <th>CRM</th>
                  <th>ERP</th>
                  <th>Email</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.customers.map((c) => (
                  <tr key={c.customerCode} data-code={c.customerCode} className={c.isDisabled ? 'row-disabled' : undefined}>
                    <td>
                      <code>{c.customerCode}</code>
                      {c.source === 'WEB' && <span className="small muted"> web</span>}
                      {c.emailMatch && (
                        <span className="waits" data-testid="email-match">
                          <Badge tone="warn" title="The account's email is this ERP debtor's: link it, or create a new debtor">
                            waits: email matches {c.emailMatch}
                          </Badge>
                        </span>
                      )}
                    </td>
                    <td>{c.name ?? '—'}</td>
                    <td>{c.site ?? '—'}</td>
                    <td>
                      <Badge tone={activeTone(c.activeStatus)}>{c.activeStatus}</Badge>
                    </td>
                    <td>{c.crmStatus ? <Badge tone={crmTone(c.crmStatus)}>{c.crmStatus}</Badge> : <span className="muted">—</span>}</td>
                    <td>
                      {c.erpStatus ?? '—'}
                      {c.isDisabled && (
                        <>
                          {' '}
                          <Badge tone="bad">disabled</Badge>
                        </>
                      )}
                    </td>
                    <td className="clip">{c.email ?? '—'}</td>
                    <td className="row-actions">
                      {customerActions(c).map((a) => (
                        <button
                          key={a.action}
                          type="button"
                          className={a.danger ? 'small-btn danger' : 'small-btn'}
                          disabled={busy !== null}
                          onClick={() => choose(c, a)}
                        >
                          {busy === `${c.customerCode}:${a.action}` ? '…' : a.label}
                        </button>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <span className="small muted">
              {offset + 1}–{offset + data.customers.length} of {data.total}
            </span>
            <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE))} disabled={offset === 0}>
              Previous
            </button>
            <button type="button" onClick={() => setOffset(offset + PAGE)} disabled={offset + data.customers.length >= data.total}>
              Next
            </button>
          </div>
        </>
      )}
    </Section>
  );
}

type Blocked = z.infer<typeof BlockedUsersResponseSchema>;
type Conversions = z.infer<typeof ConversionsResponseSchema>;

function BlockedUsers() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const [data, setData] = useState<Blocked | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.blockedUsers().then(setData, (err) => setError(failure(err)));
  }, [api, failure]);
  useEffect(load, [load]);
  return (
    <Section
      title="Blocked web users"
      id="blocked"
      actions={
        <button type="button" className="small-btn" onClick={load}>
          Refresh
        </button>
      }
    >
      <p className="small muted">Users whose only customers are disabled cannot log in to the web store.</p>
      {error && <Notice tone="bad">Could not load blocked users: {error}</Notice>}
      {!data && !error && <Loading what="blocked users" />}
      {data && data.users.length === 0 && <Empty>No web user is blocked.</Empty>}
      {data && data.users.length > 0 && (
        <div className="table-wrap">
        <table className="table table-wrapping" data-testid="blocked-users">
          <thead>
            <tr>
              <th>User</th>
              <th>Email</th>
              <th>Customers (all disabled)</th>
            </tr>
          </thead>
          <tbody>
            {data.users.map((u) => (
              <tr key={u.userId}>
                <td>
                  <code>{u.userId}</code>
                </td>
                <td className="wrap-any">{u.email ?? '—'}</td>
                <td>{u.customers.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </Section>
  );
}

function conversionTone(s: string): Tone {
  return s === 'Processed' ? 'ok' : s === 'Failed' ? 'bad' : 'warn';
}

/** A conversion's details object as "key value · key value" (the full JSON is in the tooltip). */
function detailsText(details: unknown): string {
  if (typeof details !== 'object' || details === null) return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([k, v]) => `${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

function ConversionsList() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const [data, setData] = useState<Conversions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<'' | 'Pending' | 'Processed' | 'Failed'>('');
  const load = useCallback(() => {
    api.conversions().then(setData, (err) => setError(failure(err)));
  }, [api, failure]);
  useEffect(load, [load]);
  const rows = data ? data.conversions.filter((c) => !filter || c.status === filter) : [];
  return (
    <Section
      title="Customer conversions"
      id="conversions"
      actions={
        <button type="button" className="small-btn" onClick={load}>
          Refresh
        </button>
      }
    >
      {error && <Notice tone="bad">Could not load conversions: {error}</Notice>}
      {!data && !error && <Loading what="conversions" />}
      {data && (
        <>
          <div className="chips" role="group" aria-label="Conversion status">
            <button type="button" className={filter === '' ? 'chip active' : 'chip'} onClick={() => setFilter('')}>
              All {data.counts.Pending + data.counts.Processed + data.counts.Failed}
            </button>
            {(['Pending', 'Processed', 'Failed'] as const).map((s) => (
              <button key={s} type="button" className={filter === s ? `chip active tone-${conversionTone(s)}` : `chip tone-${conversionTone(s)}`} onClick={() => setFilter(s)}>
                {s} {data.counts[s]}
              </button>
            ))}
          </div>
          {rows.length === 0 ? (
            <Empty>{filter ? `No ${filter.toLowerCase()} conversions.` : 'No customer conversions received. They arrive with Customer Master when Send Customer Conversions is on.'}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table table-wrapping" data-testid="conversions">
                <thead>
                  <tr>
                    <th>Old code</th>
                    <th>New code</th>
                    <th>ERP date</th>
                    <th>Received</th>
                    <th>Status</th>
                    <th>Processed</th>
                    <th>Reason / notes</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <code>{c.oldCode}</code>
                      </td>
                      <td>
                        <code>{c.newCode}</code>
                      </td>
                      <td className="nowrap">{c.erpConversionDate ? c.erpConversionDate.slice(0, 10) : '—'}</td>
                      <td>{formatTime(c.receivedAt)}</td>
                      <td>
                        <Badge tone={conversionTone(c.status)}>{c.status}</Badge>
                      </td>
                      <td>{formatTime(c.processedAt)}</td>
                      <td className="small notes wrap-any">
                        {c.error ? (
                          <span className="error-text">{c.error}</span>
                        ) : c.details ? (
                          <span className="clamp muted" title={JSON.stringify(c.details, null, 1)}>
                            {detailsText(c.details)}
                          </span>
                        ) : (
                          ''
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Section>
  );
}

export function CustomersTab() {
  return (
    <div className="stack">
      <CustomerList />
      <div className="two-col">
        <BlockedUsers />
        <ConversionsList />
      </div>
    </div>
  );
}
