import { localeSchema, type Locale, type Role, type SeatSummary, type UserView } from '@parley/contracts';
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { Data, SelectField } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

const ASSIGNABLE_ROLES = ['admin', 'supervisor', 'agent'] as const satisfies readonly Role[];
type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];

/** Users, their roles and seats: create, change role, assign or release a seat, deactivate. */
export function UsersSection(): ReactNode {
  const { t } = useI18n();
  const { tenantAdmin } = useServices();
  const load = useCallback(async () => ({ users: await tenantAdmin.listUsers(), seats: await tenantAdmin.seats() }), [tenantAdmin]);
  const { result, reload } = useLoad(load);
  const action = useAction();

  const act = (task: () => Promise<unknown>): void => {
    void action.run(task).then((ok) => ok && reload());
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('admin.section.users')}</h1>
      <Loaded result={result}>
        {({ users, seats }) => (
          <>
            <SeatCount seats={seats} />
            <FormAlert messages={action.errors.unclaimed([], t)} />
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('users.name')}</th>
                  <th scope="col">{t('users.email')}</th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.seat')}</th>
                  <th scope="col">{t('users.status')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {users.map((user) => (
                  <UserRow key={user.id} user={user} busy={action.busy} act={act} />
                ))}
              </tbody>
            </table>
            <CreateUserForm onCreated={reload} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function SeatCount({ seats }: { seats: SeatSummary }): ReactNode {
  const { t } = useI18n();
  const available = Math.max(0, seats.seatLimit - seats.seatsInUse);
  return (
    <p className="summary" data-testid="seat-count">
      {t('users.seatCount', { used: seats.seatsInUse, limit: seats.seatLimit, available })}
    </p>
  );
}

function UserRow({ user, busy, act }: { user: UserView; busy: boolean; act(task: () => Promise<unknown>): void }): ReactNode {
  const { t } = useI18n();
  const { tenantAdmin } = useServices();
  const editable = user.active && user.role !== 'owner';
  return (
    <tr>
      <td>
        <Data>{user.name}</Data>
      </td>
      <td>
        <Data>{user.email}</Data>
      </td>
      <td>
        {editable ? (
          <select
            aria-label={t('users.roleOf', { name: user.name })}
            value={user.role}
            disabled={busy}
            onChange={(event) => act(() => tenantAdmin.updateUser(user.id, { role: event.target.value as AssignableRole }))}
          >
            {ASSIGNABLE_ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`role.${role}`)}
              </option>
            ))}
          </select>
        ) : (
          t(`role.${user.role}`)
        )}
      </td>
      <td>
        {user.hasSeat ? t('users.hasSeat') : t('users.noSeat')}{' '}
        {user.active ? (
          <button type="button" className="link-button" disabled={busy} onClick={() => act(() => (user.hasSeat ? tenantAdmin.releaseSeat(user.id) : tenantAdmin.assignSeat(user.id)))}>
            {user.hasSeat ? t('users.releaseSeat') : t('users.assignSeat')}
          </button>
        ) : null}
      </td>
      <td>{user.active ? t('users.active') : t('users.inactive')}</td>
      <td>
        {editable ? (
          <button type="button" className="danger" disabled={busy} onClick={() => act(() => tenantAdmin.deactivateUser(user.id))} aria-label={t('users.deactivateUser', { name: user.name })}>
            {t('users.deactivate')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

type NewUserField = 'name' | 'email' | 'role' | 'password' | 'locale';
const NEW_USER_FIELDS: readonly NewUserField[] = ['name', 'email', 'role', 'password', 'locale'];

function CreateUserForm({ onCreated }: { onCreated(): void }): ReactNode {
  const { t, locale } = useI18n();
  const { tenantAdmin } = useServices();
  const action = useAction();
  const empty = { name: '', email: '', role: 'agent' as AssignableRole, password: '', locale: locale as Locale };
  const [values, setValues] = useState(empty);

  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const ok = await action.run(() => tenantAdmin.createUser(values));
    if (ok) {
      setValues(empty);
      onCreated();
    }
  };
  const set = <K extends keyof typeof values>(key: K) => (value: (typeof values)[K]) => setValues((v) => ({ ...v, [key]: value }));
  const errors = action.errors;

  return (
    <form className="panel" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t('users.create')}</h2>
      <FormAlert messages={errors.unclaimed(NEW_USER_FIELDS, t)} />
      <div className="form-grid">
        <FormField label={t('users.name')} name="name" value={values.name} onChange={set('name')} error={errors.at('name')} />
        <FormField label={t('users.email')} name="email" type="email" value={values.email} onChange={set('email')} error={errors.at('email')} />
        <SelectField label={t('users.role')} name="role" value={values.role} options={ASSIGNABLE_ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} onChange={(v) => set('role')(v as AssignableRole)} error={errors.at('role')} />
        <FormField label={t('users.password')} name="password" type="password" value={values.password} onChange={set('password')} autoComplete="new-password" hint={t('signup.passwordHint', { min: 10 })} error={errors.at('password')} />
        <SelectField
          label={t('users.locale')}
          name="locale"
          value={values.locale}
          options={localeSchema.options.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          onChange={(v) => set('locale')(v as Locale)}
          error={errors.at('locale')}
        />
      </div>
      <button type="submit" disabled={action.busy}>
        {t('users.createSubmit')}
      </button>
    </form>
  );
}
