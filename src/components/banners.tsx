import { selectBanners } from '../core/selectors.ts';
import type { Banner } from '../core/state.ts';
import { withoutDirectionControls } from '../markdown/bidi.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { moveFocusToComposer } from './focus.ts';
import { useChatUi } from './ui-context.tsx';

/** Error banners (announced at once) and notices, each dismissible. */
export function Banners() {
  const banners = useChatStore(selectBanners);
  const { classNames } = useChatUi();
  if (banners.length === 0) return null;
  return (
    <div data-slot="banners" className={cn('cw:banner-stack', classNames.banners)}>
      {banners.map((banner) => (
        <BannerItem key={banner.id} banner={banner} />
      ))}
    </div>
  );
}

function BannerItem({ banner }: { banner: Banner }) {
  const { dismissBanner } = useChatActions();
  const { labels, classNames } = useChatUi();
  const isError = banner.kind === 'error';
  return (
    <div
      role={isError ? 'alert' : 'status'}
      data-slot="banner"
      data-kind={banner.kind}
      className={cn('cw:banner', isError ? 'cw:tone-danger' : 'cw:tone-notice', classNames.banner)}
    >
      <p className="cw:flex-1">
        {banner.kind === 'unreadable-frames'
          ? labels.unreadableFrames
          : withoutDirectionControls(banner.text)}
        {banner.count > 1 && <span className="cw:ml-1 cw:font-semibold">×{banner.count}</span>}
      </p>
      <button
        type="button"
        onClick={(event) => {
          moveFocusToComposer(event.currentTarget);
          dismissBanner(banner.id);
        }}
        aria-label={labels.dismiss}
        className="cw:banner-dismiss"
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
