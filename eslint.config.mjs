// @ts-check
import nx from '@nx/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '.data/**', '.cache/**', '.nx/**'],
  },
  ...tseslint.configs.recommended,
  {
    // The web app's TSX follows the same rules as every .ts file.
    files: ['**/*.ts', 'apps/web/**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: true,
          depConstraints: [
            // An app may use contracts, platform and protocol libs, never another app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:protocol', 'type:testing'] },
            // Contracts depend on zod only.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], allowedExternalImports: ['zod'] },
            // Platform and protocol libs may use the test kit in their tests (libs/testing is never imported by src code: see the no-restricted-imports rule).
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol', 'type:contracts', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
            // The all-in-one runner composes every service in one process: the one place apps are imported.
            { sourceTag: 'type:runner', onlyDependOnLibsWithTags: ['type:app', 'type:contracts', 'type:platform', 'type:protocol', 'type:testing'] },
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:contracts', 'type:web'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a string union instead of an enum (STYLE.md).' },
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only (STYLE.md).' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@parley/*/*'], message: 'Import a lib through its index (@parley/<lib>), no deep imports.' }] },
      ],
    },
  },
  {
    // Plain CommonJS tooling (Jest config and setup, the SWC require hook).
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // React: the rules of hooks (and the React Compiler's checks) for the web app.
    files: ['apps/web/**/*.ts', 'apps/web/**/*.tsx'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/*.int-spec.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
